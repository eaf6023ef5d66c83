import { css } from 'lit';

/** The shadow styles of `<metrics-card>`, over the shared tokens. */
export const metricsCardStyles = css`
  :host {
    display: block;
  }
  /* Explicit line heights and single lines: the loading placeholders take exactly the loaded card's
     height (see render()), whatever the font and the card's width. */
  .card {
    display: grid;
    gap: 4px;
    line-height: 1.25;
    min-height: 7.5em;
    box-sizing: border-box;
    padding: var(--_space);
    background: var(--_bg);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
  }
  .label,
  .period,
  .change {
    margin: 0;
    white-space: nowrap;
    overflow: hidden;
    text-overflow: ellipsis;
  }
  .label,
  .period {
    color: var(--_muted);
  }
  .value {
    margin: 0;
    line-height: 1.2;
    font-size: 1.9em;
    font-weight: 650;
    font-variant-numeric: tabular-nums;
  }
  .change {
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
    height: 1.25em;
  }
  .skeleton.total {
    height: 2.28em;
    width: 60%;
  }
  .skeleton.spark {
    height: 36px;
  }
  .error {
    padding: 0;
  }
`;
