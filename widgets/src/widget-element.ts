import { SignalWatcher } from '@lit-labs/preact-signals';
import { LitElement, type PropertyValues } from 'lit';
import { property } from 'lit/decorators.js';
import { closestLang, type MessageKey, message } from './messages.js';

/** `light`, `dark`, or `auto`: the colour scheme the page prefers (`prefers-color-scheme`). */
export type Theme = 'light' | 'dark' | 'auto';

/**
 * The base of every visible element: its locale (for its words, numbers and dates) and its colour
 * scheme. Renders inside a signals effect, so reading a signal (a store's, or the messages') is enough to
 * re-render when it changes.
 */
export class WidgetElement extends SignalWatcher(LitElement) {
  /**
   * BCP 47 locale of the words, numbers and dates. Default: the `lang` of the closest ancestor that has
   * one (across shadow roots), else the browser's language.
   */
  @property()
  locale?: string;

  /** `light`, `dark`, or `auto` (the default: follows the page's `prefers-color-scheme`). */
  @property({ reflect: true })
  theme?: Theme;

  // Resolved once per update: a render asks for it once per string, and the table renders on every scroll.
  #locale?: string;

  override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    this.#locale = undefined;
    this.#locale = this._locale;
  }

  /**
   * The locale in effect.
   * @internal
   */
  protected get _locale(): string {
    return this.#locale ?? (this.locale || closestLang(this) || navigator.language);
  }

  /**
   * A message in the element's locale.
   * @internal
   */
  protected _t(key: MessageKey, values?: Record<string, string | number>): string {
    return message(this._locale, key, values);
  }
}
