import { css } from 'lit';

/** The shadow styles of `<metrics-card>`, over the shared tokens. */
export const metricsCardStyles = css`
  :host {
    display: block;
  }
  .card {
    display: grid;
    gap: 4px;
    min-height: 7.5em;
    box-sizing: border-box;
    padding: var(--_space);
    background: var(--_bg);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
  }
  .label,
  .period {
    margin: 0;
    color: var(--_muted);
  }
  .value {
    margin: 0;
    font-size: 1.9em;
    font-weight: 650;
    font-variant-numeric: tabular-nums;
  }
  .change {
    margin: 0;
    font-weight: 600;
  }
  .up {
    color: var(--_positive);
  }
  .down {
    color: var(--_negative);
  }
  svg {
    display: block;
    width: 100%;
    height: 36px;
    color: var(--_accent);
  }
  .skeleton {
    height: 1em;
  }
  .skeleton.big {
    height: 1.9em;
    width: 60%;
  }
  .error {
    padding: 0;
  }
`;
