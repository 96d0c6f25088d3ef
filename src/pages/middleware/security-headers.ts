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

/** The headers as name, value pairs, the same for every page: nothing in them is per request. */
export function gateHeaders(options: { logoUrl?: string | undefined } = {}): readonly string[] {
  const imgSrc = `'self' data:${logoImageSource(options.logoUrl)}`;
  return [
    // Styles and scripts only as files from the gate itself, never inline.
    'Content-Security-Policy',
    `default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; img-src ${imgSrc}; frame-ancestors 'none'; base-uri 'none'`,
    'X-Frame-Options',
    'DENY',
    'X-Content-Type-Options',
    'nosniff',
    'Referrer-Policy',
    'same-origin',
    'Cache-Control',
    'no-store',
  ];
}

export function createSecurityHeaders(headers: readonly string[]): Middleware<GateKoaState> {
  return async function securityHeaders(ctx, next) {
    for (let i = 0; i < headers.length; i += 2) ctx.set(headers[i]!, headers[i + 1]!);
    await next();
  };
}
