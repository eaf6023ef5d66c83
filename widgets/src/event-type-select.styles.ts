import { css } from 'lit';

/** The shadow styles of `<event-type-select>`, over the shared tokens. */
export const eventTypeSelectStyles = css`
  :host {
    display: inline-flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 8px;
  }
  label {
    color: var(--_muted);
  }
  select {
    font: inherit;
    color: var(--_text);
    background: var(--_bg);
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) / 2);
    padding: 6px 8px;
    /* A width, not a minimum: the options arriving must not widen the menu and rewrap what is beside it. */
    width: 14em;
    max-width: 100%;
  }
  .error {
    padding: 0;
  }
`;
