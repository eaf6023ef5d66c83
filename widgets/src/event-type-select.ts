import { createEventTypesStore } from '@acme/analytics-sdk';
import { html, type PropertyValues } from 'lit';
import { property } from 'lit/decorators.js';
import { AnalyticsElement } from './analytics-element.js';
import { describeError } from './errors.js';
import { eventTypeSelectStyles } from './event-type-select.styles.js';
import { numberFormat } from './format.js';
import { StoreController } from './store-controller.js';
import { backdrop, tokens } from './tokens.styles.js';

/**
 * A filter menu of the tenant's event types, most frequent first, with an "All event types" choice.
 *
 * Wiring it to a table takes one attribute, `for="<events-table id>"`, or one line of script:
 * `select.addEventListener('change', () => (table.eventType = select.value))`.
 *
 * @tagname event-type-select
 * @fires change - The chosen type changed; read it from `value` (`''` for all types).
 * @csspart label - The visible label.
 * @csspart select - The native `<select>`.
 * @csspart error - The error message box.
 * @csspart retry-button - The button that retries after an error.
 * @cssprop --acme-color-background - Menu background.
 * @cssprop --acme-color-text - Text colour.
 * @cssprop --acme-color-muted - Label colour.
 * @cssprop --acme-color-border - Menu border.
 * @cssprop --acme-color-negative - Error text.
 * @cssprop --acme-color-focus - Focus ring.
 * @cssprop --acme-font-family - Font family.
 * @cssprop --acme-font-size - Base font size.
 * @cssprop --acme-radius - Corner radius.
 * @cssprop --acme-space - Base spacing unit.
 */
export class EventTypeSelect extends AnalyticsElement {
  static override styles = [tokens, backdrop, eventTypeSelectStyles];

  /** The chosen event type; `''` means all types. */
  @property({ reflect: true })
  value = '';

  /** The visible label; "Event type" in the element's locale by default. */
  @property()
  label?: string;

  /** The id of an `<events-table>` (in the same document or shadow root) to filter on change. */
  @property({ attribute: 'for' })
  htmlFor?: string;

  #types = new StoreController(this, {
    client: () => this._client,
    create: (client) => createEventTypesStore(client),
  });

  override render() {
    const store = this.#types.value;
    const types = store?.data.value ?? [];
    const loading = store?.loading.value ?? false;
    const error = store?.error.value ?? null;
    const count = numberFormat(this._locale);
    // Keep a chosen type listed even before (or without) the list arriving, so the value never silently resets.
    const listed = !this.value || types.some((t) => t.event_type === this.value);
    return html`<label part="label" for="select">${this.label || this._t('eventType')}</label>
      <select id="select" part="select" aria-busy=${loading ? 'true' : 'false'} @change=${this.#onChange}>
        <option value="" ?selected=${!this.value}>${this._t('allEventTypes')}</option>
        ${listed ? '' : html`<option value=${this.value} selected>${this.value}</option>`}
        ${types.map(
          (t) =>
            html`<option value=${t.event_type} ?selected=${t.event_type === this.value}>
              ${t.event_type} (${count.format(t.count)})
            </option>`,
        )}
      </select>
      ${
        error && !types.length
          ? html`<span class="error" part="error" role="alert">
              ${this._t('typesFailed')} ${describeError(error, (key) => this._t(key))}
              <button part="retry-button" @click=${() => void store?.refresh()}>${this._t('retry')}</button>
            </span>`
          : ''
      }`;
  }

  override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    // Options arrive after the value was set; the native select needs telling again.
    const select = this.renderRoot.querySelector('select');
    if (select && select.value !== this.value) select.value = this.value;
  }

  #onChange = (event: Event): void => {
    event.stopPropagation();
    this.value = (event.target as HTMLSelectElement).value;
    if (this.htmlFor) {
      const root = this.getRootNode() as Document | ShadowRoot;
      const target = root.getElementById(this.htmlFor);
      if (target && 'eventType' in target)
        (target as { eventType?: string }).eventType = this.value || undefined;
    }
    this.dispatchEvent(new Event('change', { bubbles: true, composed: true }));
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'event-type-select': EventTypeSelect;
  }
}
