// Provider status reports, reachable without a session (and on the public_url host): WhatsApp's
// subscription handshake and signed notifications (statuses, and messages people write to sign in),
// Twilio's signed status callbacks. Unsigned or
// badly signed calls get 401/403 and an audit line; duplicates and reports about messages the
// gate no longer tracks are answered 200 and change nothing, so providers stop retrying.
import { timingSafeEqual } from 'node:crypto';

import type Router from '@koa/router';
import type { Context } from 'koa';

import type { AuditLog } from '../../audit/audit-log.js';
import type { Deliveries } from '../../channels/delivery.js';
import { fromTwilioStatus, fromWhatsAppStatus } from '../../channels/delivery-state.js';
import { isValidMetaSignature, isValidTwilioSignature } from '../../channels/webhook-signatures.js';
import { inboundTexts } from '../../channels/whatsapp-inbound.js';
import { TWILIO_WEBHOOK_PATH, WHATSAPP_WEBHOOK_PATH } from '../../config/compile-channels.js';
import type { GateState } from '../../http/gate-state.js';
import type { RequestContext } from '../../http/request-context.js';
import type { Logger } from '../../shared/log.js';
import { GateError, text } from '../gate-error.js';
import { readRawBody } from '../raw-body.js';
import type { WhatsAppSignIns } from '../whatsapp-sign-ins.js';

export interface WebhookRouteDeps {
  state: () => GateState;
  deliveries: Deliveries;
  /** Sign-ins by a message to the business number (whatsapp_reply). */
  whatsappSignIns: WhatsAppSignIns;
  audit: AuditLog;
  log: Logger;
  context: (ctx: Context) => RequestContext;
}

/** Meta batches notifications; a megabyte is far more than any status report. */
const WEBHOOK_BODY_LIMIT = 1_048_576;

const notFound = () =>
  new GateError(404, 'not_found', { heading: text('errors.not_found_heading'), text: text('errors.not_found_text') });

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function registerWebhookRoutes(router: Router, deps: WebhookRouteDeps): void {
  const whatsapp = () => {
    const c = deps.state().config.channels.whatsapp;
    return c?.type === 'whatsapp' ? c : undefined;
  };
  const twilio = () => {
    const c = deps.state().config.channels.sms;
    return c?.type === 'sms' && c.provider === 'twilio' ? c : undefined;
  };

  function reject(ctx: Context, status: 401 | 403, provider: string, reason: string): void {
    deps.audit.record({
      event: 'webhook_rejected',
      ip: deps.context(ctx).facts.ip,
      outcome: 'refused',
      channel: provider,
      reason,
      path: ctx.path,
    });
    ctx.status = status;
    ctx.type = 'text/plain';
    ctx.body = status === 401 ? 'signature required' : 'forbidden';
  }

  async function apply(
    ctx: Context,
    channel: string,
    messageId: string,
    status: ReturnType<typeof fromTwilioStatus>,
    raw: string,
  ) {
    if (status === undefined || messageId === '') return;
    await deps.deliveries.report(channel, messageId, status, { ip: deps.context(ctx).facts.ip, raw });
  }

  router.get(WHATSAPP_WEBHOOK_PATH, (ctx) => {
    const config = whatsapp();
    if (!config) throw notFound();
    const mode = ctx.query['hub.mode'];
    const token = ctx.query['hub.verify_token'];
    const challenge = ctx.query['hub.challenge'];
    if (
      mode !== 'subscribe' ||
      typeof token !== 'string' ||
      typeof challenge !== 'string' ||
      !sameText(token, config.verifyToken)
    ) {
      return reject(ctx, 403, 'whatsapp', 'subscription handshake with a wrong verify token');
    }
    ctx.type = 'text/plain';
    ctx.body = challenge;
  });

  router.post(WHATSAPP_WEBHOOK_PATH, async (ctx) => {
    const config = whatsapp();
    if (!config) throw notFound();
    const raw = await readRawBody(ctx.req, WEBHOOK_BODY_LIMIT);
    const signature = ctx.get('x-hub-signature-256');
    if (!signature) return reject(ctx, 401, 'whatsapp', 'no X-Hub-Signature-256');
    if (!isValidMetaSignature(config.appSecret, raw, signature))
      return reject(ctx, 403, 'whatsapp', 'bad X-Hub-Signature-256');
    for (const s of whatsAppStatuses(raw)) await apply(ctx, 'whatsapp', s.id, fromWhatsAppStatus(s.status), s.status);
    // Messages people wrote count only where signing in by WhatsApp message is on, and only to this number.
    if (deps.state().config.approvals && config.businessNumber !== undefined)
      for (const message of inboundTexts(raw))
        if (message.phoneNumberId === config.phoneNumberId)
          await deps.whatsappSignIns(message, deps.context(ctx).facts.ip, config);
    ctx.status = 200;
    ctx.type = 'text/plain';
    ctx.body = 'ok';
  });

  router.post(TWILIO_WEBHOOK_PATH, async (ctx) => {
    const config = twilio();
    if (!config) throw notFound();
    const raw = await readRawBody(ctx.req, WEBHOOK_BODY_LIMIT);
    const params = Object.fromEntries(new URLSearchParams(raw.toString('utf8')));
    const signature = ctx.get('x-twilio-signature');
    if (!signature) return reject(ctx, 401, 'sms', 'no X-Twilio-Signature');
    // Twilio signs the URL it called: the public one, which a gate behind a TLS proxy can't see.
    const rc = deps.context(ctx);
    const base = deps.state().config.server.publicUrl ?? `${rc.proto}://${ctx.host}`;
    if (!isValidTwilioSignature(config.authToken, `${base}${ctx.url}`, params, signature)) {
      return reject(ctx, 403, 'sms', 'bad X-Twilio-Signature');
    }
    const status = params.MessageStatus ?? '';
    await apply(ctx, 'sms', params.MessageSid ?? '', fromTwilioStatus(status), status);
    ctx.status = 204;
  });
}

/** `entry[].changes[].value.statuses[]` of a WhatsApp notification; anything else is ignored. */
export function whatsAppStatuses(raw: Buffer): Array<{ id: string; status: string }> {
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    return [];
  }
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  const field = (v: unknown, k: string): unknown =>
    v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  const out: Array<{ id: string; status: string }> = [];
  for (const entry of list(field(body, 'entry'))) {
    for (const change of list(field(entry, 'changes'))) {
      for (const s of list(field(field(change, 'value'), 'statuses'))) {
        const id = field(s, 'id');
        const status = field(s, 'status');
        if (typeof id === 'string' && typeof status === 'string') out.push({ id, status });
      }
    }
  }
  return out;
}
