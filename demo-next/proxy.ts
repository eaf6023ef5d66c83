import { type NextRequest, NextResponse } from 'next/server';

/**
 * A Content-Security-Policy per request: scripts only with this response's nonce (Next.js puts it on its own
 * scripts when it finds it in the request's CSP header), and connections only to this site and the API,
 * whose address is read per request like the page's. The other security headers are static
 * (`next.config.ts`).
 */
export function proxy(request: NextRequest) {
  const nonce = btoa(crypto.randomUUID());
  const api = new URL(process.env.ANALYTICS_API_URL ?? 'http://localhost:8787').origin;
  // `next dev` evaluates modules for fast refresh; a production build never does.
  const dev = process.env.NODE_ENV !== 'production' ? " 'unsafe-eval'" : '';
  const csp = [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev}`,
    `style-src 'self' 'nonce-${nonce}'`,
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self' ${api}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
  const headers = new Headers(request.headers);
  headers.set('content-security-policy', csp);
  const response = NextResponse.next({ request: { headers } });
  response.headers.set('content-security-policy', csp);
  return response;
}

// Pages and routes; not the build's static files, which run no script of their own.
export const config = {
  matcher: ['/((?!_next/static|_next/image|icon.svg).*)'],
};
