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
    min-width: 12em;
  }
  .error {
    padding: 0;
  }
`;
