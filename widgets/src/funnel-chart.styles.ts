import { css } from 'lit';

/** The shadow styles of `<funnel-chart>`, over the shared tokens. */
export const funnelChartStyles = css`
  :host {
    display: block;
  }
  .label,
  .between {
    margin: 0;
    color: var(--_muted);
  }
  ol {
    display: grid;
    gap: 4px;
    margin: 0;
    padding: 0;
    list-style: none;
  }
  /* Every step takes the same height loaded or not (a name line, a bar, a between line). */
  li {
    display: grid;
    gap: 2px;
    min-height: calc(3 * 1.25em + 12px);
  }
  .head {
    display: flex;
    justify-content: space-between;
    gap: var(--_space);
  }
  .name {
    overflow: hidden;
    white-space: nowrap;
    text-overflow: ellipsis;
  }
  .figures {
    font-variant-numeric: tabular-nums;
    font-weight: 600;
    white-space: nowrap;
  }
  .track {
    height: 12px;
    background: var(--_surface);
    border-radius: 4px;
  }
  .bar {
    height: 100%;
    background: var(--acme-funnel-bar, var(--_accent));
    border-radius: 4px;
  }
  .skeleton {
    height: 12px;
  }
`;
