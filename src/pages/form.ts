// Reading the gate's own form posts: only url-encoded bodies, size-capped, single string values,
// a CSRF token tied to the flow or session, and same-origin navigation.
import coBody from 'co-body';
import type { Context } from 'koa';

import type { Signer } from '../session/signer.js';
import { GateError, text } from './gate-error.js';

export type Form = Record<string, string>;

const badRequest = (reason: ReturnType<typeof text>) =>
  new GateError(400, 'bad_request', { heading: text('errors.form_heading'), text: reason });

export async function readForm(ctx: Context, limitBytes: number): Promise<Form> {
  if (!ctx.is('application/x-www-form-urlencoded')) {
    throw new GateError(415, 'unsupported_media_type', {
      heading: text('errors.media_heading'),
      text: text('errors.media_text'),
    });
  }
  let raw: unknown;
  try {
    raw = await coBody.form(ctx.req, {
      limit: limitBytes,
      queryString: { depth: 0, allowDots: false, arrayLimit: 0, parameterLimit: 20 },
    });
  } catch (err) {
    const status = (err as { status?: number }).status;
    if (status === 413)
      throw new GateError(
        413,
        'payload_too_large',
        { heading: text('errors.too_large_heading'), text: text('errors.too_large_form') },
        { cause: err },
      );
    throw badRequest(text('errors.form_unreadable'));
  }
  const form: Form = {};
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof value !== 'string') throw badRequest(text('errors.form_repeated', { field: key.slice(0, 40) }));
    form[key] = value;
  }
  return form;
}

/**
 * Refuses cross-site posts by Fetch Metadata, or by Origin where a browser sends no Fetch
 * Metadata, before the CSRF token is even looked at. ("Origin: null" is what browsers send
 * under strict referrer policies; the token still has to match.)
 */
export function assertSameOrigin(ctx: Context): void {
  const site = ctx.get('sec-fetch-site');
  if (site) {
    if (site !== 'same-origin' && site !== 'none') throw forbiddenForm();
    return;
  }
  const origin = ctx.get('origin');
  if (!origin || origin === 'null') return;
  if (!originIsHost(origin, ctx)) throw forbiddenForm();
}

/**
 * Positive proof that a post comes from a page of this same origin (Fetch Metadata, or a real
 * Origin naming this host), for requests that carry no CSRF token of ours.
 */
export function provenSameOrigin(ctx: Context): boolean {
  const site = ctx.get('sec-fetch-site');
  if (site) return site === 'same-origin';
  const origin = ctx.get('origin');
  return origin !== '' && origin !== 'null' && originIsHost(origin, ctx);
}

/** Whether an Origin header names the host this request was sent to; unreadable is no. */
function originIsHost(origin: string, ctx: Context): boolean {
  try {
    return new URL(origin).host.toLowerCase() === ctx.get('host').toLowerCase();
  } catch {
    return false;
  }
}

export function csrfToken(signer: Signer, bindTo: string): string {
  return signer.sign('csrf', bindTo);
}

/** `startAgain`: the page where what this form was for begins anew (an expired form is a dead end otherwise). */
export function assertCsrf(signer: Signer, form: Form, bindTo: string | undefined, startAgain: string): void {
  const token = form.csrf;
  if (!bindTo || !token || signer.unsign('csrf', token) !== bindTo) throw forbiddenForm(startAgain);
}

/** A cross-site post gets no link: the page that sent it is not one of ours to go back to. */
function forbiddenForm(startAgain?: string): GateError {
  return new GateError(403, 'csrf', {
    heading: text('errors.csrf_heading'),
    text: text('errors.csrf_text'),
    ...(startAgain ? { link: { href: startAgain, text: text('errors.start_again') } } : {}),
  });
}
