import { css } from 'lit';

/** The shadow styles of `<breakdown-list>`, over the shared tokens. */
export const breakdownListStyles = css`
  :host {
    display: block;
  }
  .label {
    margin: 0;
    color: var(--_muted);
  }
  ol {
    display: grid;
    gap: 2px;
    margin: 0;
    padding: 0;
    list-style: none;
    /* The first page's rows, reserved while it loads (each row is 2em high). */
    min-height: calc(var(--_rows) * 2em + (var(--_rows) - 1) * 2px);
  }
  li,
  .skeleton {
    height: 2em;
  }
  .row {
    position: relative;
    display: flex;
    align-items: center;
    justify-content: space-between;
    gap: var(--_space);
    width: 100%;
    height: 100%;
    box-sizing: border-box;
    padding: 0 8px;
    color: var(--_text);
    background: none;
    border: 0;
    border-radius: 4px;
    text-align: start;
  }
  button.row:hover {
    background: var(--_surface);
  }
  /* The bar sits behind the text, as wide as the value's share. */
  .bar {
    position: absolute;
    inset: 2px auto 2px 0;
    background: color-mix(in srgb, var(--acme-breakdown-bar, var(--_accent)) 18%, transparent);
    border-radius: 4px;
  }
  .name,
  .value {
    position: relative;
  }
  .name {
    overflow: hidden;
    white-space: nowrap;
    text-overflow: ellipsis;
  }
  .value {
    font-variant-numeric: tabular-nums;
    font-weight: 600;
  }
  .empty {
    margin: 0;
    color: var(--_muted);
  }
  .more {
    justify-self: start;
  }
`;
