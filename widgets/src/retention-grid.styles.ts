import { css } from 'lit';

/** The shadow styles of `<retention-grid>`, over the shared tokens. */
export const retentionGridStyles = css`
  :host {
    display: block;
  }
  .box {
    overflow-x: auto;
  }
  table {
    border-collapse: separate;
    border-spacing: 2px;
    font-variant-numeric: tabular-nums;
  }
  caption {
    text-align: start;
    color: var(--_muted);
    padding-bottom: 4px;
  }
  th,
  td {
    height: 2em;
    padding: 0 8px;
    white-space: nowrap;
    text-align: end;
    font-weight: normal;
  }
  thead th {
    color: var(--_muted);
  }
  tbody th {
    text-align: start;
  }
  /* Shaded by the share retained: at most 45% of the accent, so the text keeps its contrast. */
  td.cell {
    border-radius: 4px;
    background: color-mix(in srgb, var(--acme-retention-color, var(--_accent)) var(--_share), transparent);
  }
  .skeleton {
    height: 1.25em;
  }
`;
