import type { ReactiveController, ReactiveElement } from 'lit';

export interface GridKeyboardOptions {
  /** How many rows there are (loaded, not only rendered). */
  count: () => number;
  /** Rows that Page Up and Page Down move by. */
  page: () => number;
  /** Scrolls row `index` into view, so that the next render has it (a windowed list may not yet). */
  reveal: (index: number) => void;
  /** The row was chosen: Enter, Space or a click. */
  choose: (index: number) => void;
  /** → (true) or ← (false) on a row; left out for rows that do not expand. */
  expand?: (index: number, expanded: boolean) => void;
}

/**
 * Keyboard navigation of a grid's rows (WAI-ARIA grid and treegrid patterns) with a roving tab index, so
 * the whole grid is one tab stop: ↑/↓ move by a row, Page Up/Page Down by `page()` rows, Home/End to the
 * first/last row; Enter and Space choose a row, → and ← expand and collapse it. Works with windowing: the
 * target row is scrolled to and rendered before it takes focus.
 *
 * The rows carry `data-index`; `onKeydown`, `onClick` and `onFocusin` go on their container, and each row
 * takes `tabIndex(index, start, end)` (the rendered window: `[start, end)`).
 */
export class GridKeyboardController implements ReactiveController {
  /** The row that has, or last had, focus: the one in the tab order. */
  active = 0;
  #host: ReactiveElement;
  #options: GridKeyboardOptions;
  /** The row to focus once the update under way has rendered it. */
  #focusing?: number;

  constructor(host: ReactiveElement, options: GridKeyboardOptions) {
    this.#host = host;
    this.#options = options;
    host.addController(this);
  }

  /** 0 for the one row in the tab order (the active row, or the first rendered one while it is not), else -1. */
  tabIndex(index: number, start: number, end: number): 0 | -1 {
    const active = this.active >= start && this.active < end ? this.active : start;
    return index === active ? 0 : -1;
  }

  /** Moves focus to row `index`, once an update has rendered it (a windowed list may not have it yet). */
  focus(index: number): void {
    this.active = this.#focusing = index;
    this.#options.reveal(index);
    this.#host.requestUpdate();
  }

  hostUpdated(): void {
    if (this.#focusing === undefined) return;
    this.#host.renderRoot
      .querySelector<HTMLElement>(`[data-index="${this.#focusing}"]`)
      ?.focus({ preventScroll: true });
    this.#focusing = undefined;
  }

  onFocusin = (event: FocusEvent): void => {
    const index = rowIndex(event);
    if (index !== undefined) this.active = index;
  };

  onClick = (event: MouseEvent): void => {
    const index = rowIndex(event);
    if (index !== undefined) {
      this.active = index;
      this.#options.choose(index);
    }
  };

  onKeydown = (event: KeyboardEvent): void => {
    const index = rowIndex(event);
    if (index === undefined) return;
    const { count, page, choose, expand } = this.#options;
    const n = count();
    let target: number | undefined;
    switch (event.key) {
      case 'ArrowDown':
        target = index + 1;
        break;
      case 'ArrowUp':
        target = index - 1;
        break;
      case 'PageDown':
        target = index + page();
        break;
      case 'PageUp':
        target = index - page();
        break;
      case 'Home':
        target = 0;
        break;
      case 'End':
        target = n - 1;
        break;
      case 'Enter':
      case ' ':
        this.active = index;
        choose(index);
        break;
      case 'ArrowRight':
      case 'ArrowLeft':
        if (!expand) return;
        expand(index, event.key === 'ArrowRight');
        break;
      default:
        return;
    }
    event.preventDefault();
    if (target !== undefined) this.focus(Math.max(0, Math.min(n - 1, target)));
  };

  /** Back to the first row: for a new list. */
  reset(): void {
    this.active = 0;
    this.#focusing = undefined;
  }
}

function rowIndex(event: Event): number | undefined {
  const row = (event.target as Element).closest?.<HTMLElement>('[data-index]');
  return row ? Number(row.dataset.index) : undefined;
}
