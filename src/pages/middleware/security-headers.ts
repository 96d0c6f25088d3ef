// Headers on every response the gate itself writes: no framing, no sniffing, no caching of
// pages that carry CSRF tokens, and a CSP that allows only the page's own nonce'd style, the
// gate's own script files, and images from the gate (or the brand logo's origin).
import type { Middleware } from 'koa';

import { randomText } from '../../shared/random-text.js';
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

/** The headers as name, value pairs for a page whose inline style carries `nonce`. */
export type GateHeaders = (nonce: string) => string[];

export function gateHeaders(options: { logoUrl?: string | undefined } = {}): GateHeaders {
  const imgSrc = `'self' data:${logoImageSource(options.logoUrl)}`;
  return (nonce) => [
    // Scripts only as files from the gate itself (the code page's status poll), never inline.
    'Content-Security-Policy',
    `default-src 'none'; style-src 'nonce-${nonce}'; script-src 'self'; connect-src 'self'; img-src ${imgSrc}; frame-ancestors 'none'; base-uri 'none'`,
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

export function createSecurityHeaders(headers: GateHeaders): Middleware<GateKoaState> {
  return async function securityHeaders(ctx, next) {
    const nonce = randomText(16, 'base64');
    ctx.state.nonce = nonce;
    const pairs = headers(nonce);
    for (let i = 0; i < pairs.length; i += 2) ctx.set(pairs[i]!, pairs[i + 1]!);
    await next();
  };
}
