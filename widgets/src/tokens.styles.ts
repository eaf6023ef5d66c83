import { css } from 'lit';

// Each colour scheme's defaults, written once: the dark ones apply under `theme="dark"`, and under the
// default `auto` when the page prefers dark (a media query and an attribute selector cannot share a rule).
const dark = css`
  color-scheme: dark;
  --_bg: var(--acme-color-background, #111827);
  --_surface: var(--acme-color-surface, #1f2937);
  --_text: var(--acme-color-text, #f3f4f6);
  --_muted: var(--acme-color-muted, #9ca3af);
  --_border: var(--acme-color-border, #374151);
  --_accent: var(--acme-color-accent, #93c5fd);
  --_accent-text: var(--acme-color-accent-text, #111827);
  --_positive: var(--acme-color-positive, #6ee7b7);
  --_negative: var(--acme-color-negative, #fca5a5);
  --_focus: var(--acme-color-focus, #93c5fd);
  --_skeleton: var(--acme-color-skeleton, #374151);
`;

/**
 * Design tokens shared by every component. Each public `--acme-*` property falls back to a private
 * `--_*` one whose default depends on the colour scheme, so a page can override a token once for both
 * schemes, or per scheme (from its own media query, or a `[theme=dark]` selector). The scheme is the
 * element's `theme` attribute: `light`, `dark`, or `auto` (absent), which follows `prefers-color-scheme`.
 * `color-scheme` follows it too, so native controls (menus, date pickers) match.
 */
export const tokens = css`
  :host {
    color-scheme: light;
    --_bg: var(--acme-color-background, #ffffff);
    --_surface: var(--acme-color-surface, #f6f7f9);
    --_text: var(--acme-color-text, #1f2937);
    --_muted: var(--acme-color-muted, #4b5563);
    --_border: var(--acme-color-border, #d1d5db);
    --_accent: var(--acme-color-accent, #1d4ed8);
    --_accent-text: var(--acme-color-accent-text, #ffffff);
    --_positive: var(--acme-color-positive, #047857);
    --_negative: var(--acme-color-negative, #b91c1c);
    --_focus: var(--acme-color-focus, #2563eb);
    --_skeleton: var(--acme-color-skeleton, #e5e7eb);
    --_radius: var(--acme-radius, 8px);
    --_space: var(--acme-space, 12px);
    font-family: var(--acme-font-family, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif);
    font-size: var(--acme-font-size, 14px);
    color: var(--_text);
  }
  @media (prefers-color-scheme: dark) {
    :host(:not([theme='light'])) {
      ${dark}
    }
  }
  :host([theme='dark']) {
    ${dark}
  }
  [hidden] {
    display: none !important;
  }
  .sr-only {
    position: absolute;
    width: 1px;
    height: 1px;
    margin: -1px;
    padding: 0;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
    border: 0;
  }
  button {
    font: inherit;
    color: var(--_accent-text);
    background: var(--_accent);
    border: 1px solid var(--_accent);
    border-radius: calc(var(--_radius) / 2);
    padding: 6px 14px;
    cursor: pointer;
  }
  button:disabled {
    cursor: progress;
    opacity: 0.8;
  }
  :focus-visible {
    outline: 2px solid var(--_focus);
    outline-offset: 2px;
  }
  /* The panel the insight elements draw in. */
  .box {
    display: grid;
    gap: 6px;
    line-height: 1.25;
    box-sizing: border-box;
    padding: var(--_space);
    background: var(--_bg);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
  }
  .error {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: var(--_space);
    color: var(--_negative);
    padding: var(--_space);
  }
  .skeleton {
    background: var(--_skeleton);
    border-radius: 4px;
    animation: pulse 1.2s ease-in-out infinite;
  }
  @keyframes pulse {
    50% {
      opacity: 0.5;
    }
  }
  @media (prefers-reduced-motion: reduce) {
    .skeleton {
      animation: none;
    }
  }
`;

/**
 * For elements that draw no box of their own (a menu and its label): with a theme forced, which may be
 * the opposite of the page's, they bring their own backdrop, or dark-theme text would sit on a light page.
 * It is the surface colour, so inside a dashboard (whose background that is) it does not show.
 */
export const backdrop = css`
  :host([theme='light']),
  :host([theme='dark']) {
    background: var(--_surface);
    border-radius: calc(var(--_radius) / 2);
    padding: 4px 8px;
  }
`;
