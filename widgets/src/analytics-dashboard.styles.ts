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
  .breakdowns {
    display: grid;
    gap: var(--_space);
    grid-template-columns: repeat(auto-fit, minmax(min(100%, var(--acme-dashboard-breakdown-min, 20em)), 1fr));
  }
  .filters {
    display: flex;
    flex-wrap: wrap;
    gap: 6px;
    margin: 0;
    padding: 0;
    list-style: none;
    min-height: 2em;
  }
  .filters button {
    padding: 2px 10px;
    border-radius: 1em;
  }
`;
