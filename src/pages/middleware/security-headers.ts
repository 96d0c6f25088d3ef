// Headers on every response the gate itself writes: no framing, no sniffing, no caching of
// pages that carry CSRF tokens, and a CSP that allows only the gate's own stylesheet and script
// files (nothing inline), and images from the gate (or the brand logo's origin).
import type { Middleware } from 'koa';

import type { GateKoaState } from '../respond.js';

/** img-src for a configured logo: its origin when it is an absolute http(s) URL. */
export function logoImageSource(logoUrl: string | undefined): string {
  if (!logoUrl || !/^https?:\/\//i.test(logoUrl)) return '';
  try {
    return ` ${new URL(logoUrl).origin}`;
  } catch {
    return '';
  }
}

export function createSecurityHeaders(options: { logoUrl?: string | undefined } = {}): Middleware<GateKoaState> {
  const imgSrc = `'self' data:${logoImageSource(options.logoUrl)}`;
  // The same for every response: nothing in it is per request.
  const policy = `default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; img-src ${imgSrc}; frame-ancestors 'none'; base-uri 'none'`;
  return async function securityHeaders(ctx, next) {
    ctx.set({
      // Styles and scripts only as files from the gate itself, never inline.
      'Content-Security-Policy': policy,
      'X-Frame-Options': 'DENY',
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'same-origin',
      'Cache-Control': 'no-store',
    });
    await next();
  };
}
