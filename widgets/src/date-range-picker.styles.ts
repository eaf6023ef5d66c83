import { css } from 'lit';

/** The shadow styles of `<date-range-picker>`, over the shared tokens. */
export const dateRangePickerStyles = css`
  :host {
    display: inline-flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 8px;
  }
  label,
  .custom {
    display: inline-flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 8px;
  }
  span {
    color: var(--_muted);
  }
  select,
  input[type='date'] {
    font: inherit;
    color: var(--_text);
    background: var(--_bg);
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) / 2);
    padding: 6px 8px;
  }
  input[type='checkbox'] {
    width: 1.1em;
    height: 1.1em;
    margin: 0;
    accent-color: var(--_accent);
  }
`;
