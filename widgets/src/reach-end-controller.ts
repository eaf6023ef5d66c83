import type { ReactiveController, ReactiveControllerHost } from 'lit';

export interface ReachEndOptions {
  /** The scroller. */
  root: () => HTMLElement | null;
  /** An element after the last row: when it comes within `margin` of the scroller's view, the end is reached. */
  sentinel: () => Element | null;
  /** How many rows there are: a change asks the observer again (see `hostUpdated`). */
  count: () => number;
  /** The end came into view: load more, if that is the thing to do now. */
  onReach: () => void;
  /** How far below the view the end counts as reached (default 200px). */
  margin?: string;
}

/** Tells its host when the end of a scrolling list comes into view (infinite scrolling), through an `IntersectionObserver`. */
export class ReachEndController implements ReactiveController {
  #options: ReachEndOptions;
  #io?: IntersectionObserver;
  #observed?: Element | null;
  #count = 0;

  constructor(host: ReactiveControllerHost, options: ReachEndOptions) {
    this.#options = options;
    host.addController(this);
  }

  hostUpdated(): void {
    // Observing again makes the observer report the sentinel's current state, which catches a page so
    // short that the end of the list is still in view after it loaded.
    const { root: rootOf, sentinel: sentinelOf, count: countOf, onReach, margin = '200px' } = this.#options;
    const sentinel = sentinelOf();
    const count = countOf();
    if (sentinel === this.#observed && count === this.#count) return;
    this.#count = count;
    if (this.#io && this.#observed) this.#io.unobserve(this.#observed);
    this.#observed = sentinel;
    const root = rootOf();
    if (!root || !sentinel) return;
    // An observer's root is fixed: a new scroller (after the "no client" state, say) needs a new observer.
    if (this.#io?.root !== root) {
      this.#io?.disconnect();
      this.#io = new IntersectionObserver(
        (entries) => {
          if (entries.at(-1)?.isIntersecting) onReach();
        },
        { root, rootMargin: `0px 0px ${margin} 0px` },
      );
    }
    this.#io.observe(sentinel);
  }

  hostDisconnected(): void {
    this.#io?.disconnect();
    this.#io = this.#observed = undefined;
  }
}
