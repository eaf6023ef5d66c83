import { css } from 'lit';

/** The shadow styles of `<events-table>`, over the shared tokens. */
export const eventsTableStyles = css`
  :host {
    display: block;
  }
  .frame {
    position: relative;
    background: var(--_bg);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    overflow: hidden;
  }
  .scroller {
    max-height: var(--acme-table-height, 480px);
    overflow: auto;
    overscroll-behavior: contain;
  }
  .full {
    height: var(--acme-table-height, 480px);
  }
  table {
    width: 100%;
    border-collapse: collapse;
    table-layout: fixed;
  }
  th,
  td {
    box-sizing: border-box;
    height: var(--acme-row-height, 40px);
    padding: 0 var(--_space);
    text-align: start;
    white-space: nowrap;
    overflow: hidden;
    text-overflow: ellipsis;
    border-bottom: 1px solid var(--_border);
  }
  th {
    position: sticky;
    top: 0;
    z-index: 1;
    background: var(--_surface);
    font-weight: 600;
  }
  th.time {
    width: 26%;
  }
  th.type,
  th.user {
    width: 18%;
  }
  .spacer td {
    height: auto;
    padding: 0;
    border: 0;
  }
  tr.row {
    cursor: pointer;
  }
  tr.row:hover {
    background: var(--_surface);
  }
  tr.row:focus-visible {
    outline: 2px solid var(--_focus);
    outline-offset: -2px;
  }
  tr[aria-selected='true'] {
    box-shadow: inset 4px 0 0 var(--_accent);
  }
  tr[aria-expanded='true'] td {
    vertical-align: top;
    padding-block: 10px;
    white-space: normal;
  }
  .muted {
    color: var(--_muted);
  }
  pre {
    margin: 0;
    font: 12px/1.5 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
    white-space: pre-wrap;
    overflow-wrap: anywhere;
  }
  .footer {
    display: flex;
    justify-content: center;
    align-items: center;
    gap: var(--_space);
    padding: var(--_space);
    color: var(--_muted);
  }
  /* Takes no height of its own, so the skeleton can fill the viewport without making it scroll. */
  .sentinel {
    height: 1px;
    margin-top: -1px;
  }
  .skeleton-rows {
    height: 100%;
    overflow: hidden;
  }
  .skeleton-rows > div {
    box-sizing: border-box;
    height: var(--acme-row-height, 40px);
    padding: 12px var(--_space);
    border-bottom: 1px solid var(--_border);
  }
  .skeleton-rows > div:first-child {
    background: var(--_surface);
  }
  .skeleton-rows .skeleton {
    height: 100%;
  }
  .empty {
    padding: calc(var(--_space) * 2);
    text-align: center;
    color: var(--_muted);
  }
`;
