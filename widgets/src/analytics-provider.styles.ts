import { css } from 'lit';

/** The shadow styles of `<analytics-provider>`: no box of its own, so it never changes the page's layout. */
export const analyticsProviderStyles = css`
  :host {
    display: contents;
  }
`;
