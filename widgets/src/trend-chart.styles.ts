import { css } from 'lit';

/** The shadow styles of `<trend-chart>`, over the shared tokens. */
export const trendChartStyles = css`
  :host {
    display: block;
    --_c0: var(--acme-chart-color-1, var(--_accent));
    --_c1: var(--acme-chart-color-2, #d97706);
    --_c2: var(--acme-chart-color-3, #059669);
    --_c3: var(--acme-chart-color-4, #db2777);
    --_c4: var(--acme-chart-color-5, #7c3aed);
    --_c5: var(--acme-chart-color-6, var(--_muted));
  }
  .chart {
    margin: 0;
    display: grid;
    gap: 6px;
    line-height: 1.25;
    box-sizing: border-box;
    padding: var(--_space);
    background: var(--_bg);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
  }
  .label {
    margin: 0;
    color: var(--_muted);
  }
  /* The plot keeps its height in every state (loading, empty, error, loaded): no layout shift. */
  .plot-box {
    position: relative;
    height: var(--acme-chart-height, 240px);
    min-width: 0;
  }
  .plot {
    position: relative;
    height: 100%;
    border-radius: 4px;
  }
  .plot-box > .skeleton,
  .plot-box > .message {
    position: absolute;
    inset: 0;
    margin: 0;
  }
  .message {
    display: grid;
    place-items: center;
    color: var(--_muted);
  }
  svg {
    display: block;
    overflow: visible;
    font-size: 11px;
  }
  .axis text {
    fill: var(--_muted);
  }
  .axis line {
    stroke: var(--_border);
  }
  .s0 { color: var(--_c0); }
  .s1 { color: var(--_c1); }
  .s2 { color: var(--_c2); }
  .s3 { color: var(--_c3); }
  .s4 { color: var(--_c4); }
  .s5 { color: var(--_c5); }
  .cursor {
    stroke: var(--_muted);
    stroke-dasharray: 2 2;
  }
  .tooltip {
    position: absolute;
    top: 0;
    z-index: 1;
    pointer-events: none;
    padding: 6px 8px;
    min-width: 8em;
    background: var(--_bg);
    color: var(--_text);
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) / 2);
    box-shadow: 0 2px 6px rgb(0 0 0 / 0.15);
    white-space: nowrap;
    font-variant-numeric: tabular-nums;
  }
  .tooltip p {
    margin: 0;
  }
  .legend {
    display: flex;
    flex-wrap: wrap;
    gap: 4px 14px;
    margin: 0;
    padding: 0;
    list-style: none;
    min-height: 1.25em;
  }
  .legend li {
    display: flex;
    align-items: center;
    gap: 6px;
    min-width: 0;
    overflow-wrap: anywhere;
  }
  .swatch {
    display: inline-block;
    flex: none;
    width: 12px;
    height: 3px;
    background: currentColor;
  }
  .swatch.dashed {
    background: repeating-linear-gradient(90deg, currentColor 0 3px, transparent 3px 5px);
  }
  .legend span:last-child {
    color: var(--_text);
  }
`;
