import { css } from 'lit';

/** The shadow styles of `<analytics-dashboard>`, over the shared tokens. */
export const analyticsDashboardStyles = css`
  :host {
    display: grid;
    gap: var(--_space);
    padding: var(--_space);
    background: var(--_surface);
    border-radius: var(--_radius);
  }
  .cards {
    display: grid;
    gap: var(--_space);
    grid-template-columns: repeat(auto-fit, minmax(var(--acme-dashboard-card-min, 14em), 1fr));
  }
`;
