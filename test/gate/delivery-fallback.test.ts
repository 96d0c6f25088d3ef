// WhatsApp first, SMS when WhatsApp fails or reports no delivery in time, over real HTTP to local
// servers that speak the providers' APIs; signed status webhooks; the code page's status.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createManualClock } from '../../src/shared/clock.js';
import type { Agent } from '../helpers/browser.js';
import { browser, hiddenField, identify, submitCode } from '../helpers/browser.js';
import type { FakeTwilio } from '../helpers/fake-twilio.js';
import { signTwilio, startFakeTwilio, TW } from '../helpers/fake-twilio.js';
import type { FakeWhatsApp } from '../helpers/fake-whatsapp.js';
import { signMeta, startFakeWhatsApp, WA, whatsAppStatusBody } from '../helpers/fake-whatsapp.js';
import type { TestGate } from '../helpers/gate.js';
import { startTestGate } from '../helpers/gate.js';
import type { TestUpstream } from '../helpers/upstream.js';
import { startUpstream } from '../helpers/upstream.js';
import { waitFor } from '../helpers/wait.js';

const USERS = `users:\n${Array.from({ length: 16 }, (_, i) => `  u${i}:\n    phone: "+39 333 000 00${String(i).padStart(2, '0')}"`).join('\n')}\n`;
const digits = (i: number) => `3933300000${String(i).padStart(2, '0')}`;
const PUBLIC = 'http://gate.test';
// Moves the gate's cooldowns; the delivery deadlines and channel checks run on real timers.
const clock = createManualClock(Date.now());

let wa: FakeWhatsApp;
let tw: FakeTwilio;
let upstream: TestUpstream;
let gate: TestGate;

beforeAll(async () => {
  [wa, tw, upstream] = await Promise.all([startFakeWhatsApp(), startFakeTwilio(), startUpstream()]);
  gate = await startTestGate({
    upstream: upstream.url,
    clock,
    users: USERS,
    server: `listen: "127.0.0.1:0"\ninsecure_http: true\npublic_url: "${PUBLIC}"`,
    otp: 'resend_after: 200ms\nmax_sends_per_hour: 1000\nmax_sends_per_address_per_hour: 1000\nmax_sends_per_destination_per_hour: 1000\nmax_sends_per_prefix_per_hour: 1000',
    channels: `${wa.config().replace('timeout: 2s', 'timeout: 1s')}${tw.config()}`,
  });
});

afterAll(async () => {
  await gate?.close();
  await Promise.all([wa?.close(), tw?.close(), upstream?.close()]);
});

/** The WhatsApp message to u<i>, once the gate has noted sending it: a status report before that finds no message. */
const whatsappTo = (i: number) =>
  waitFor(`WhatsApp to u${i}`, () =>
    wa.sent.find((m) => m.to === digits(i) && gate.audit.some((l) => l.includes('"code_sent"') && l.includes(m.id))),
  );
const smsTo = (i: number, timeoutMs?: number) =>
  waitFor(`SMS to u${i}`, () => tw.sent.find((m) => m.to === `+${digits(i)}`), timeoutMs);
const status = async (agent: Agent) =>
  (await agent.get('/_gate/code/status').set('Accept', 'application/json').expect(200)).body as Record<string, unknown>;

function postWhatsAppStatus(
  id: string,
  state: string,
  sign: (body: string) => string | undefined = (b) => signMeta(b),
) {
  const body = whatsAppStatusBody(id, state);
  const signature = sign(body);
  const req = request(gate.url).post('/_gate/webhooks/whatsapp').set('Content-Type', 'application/json');
  return (signature === undefined ? req : req.set('X-Hub-Signature-256', signature)).send(body);
}

/** Starts a login and resolves with the browser, the CSRF token and when the request was made. */
async function startLogin(i: number): Promise<{ agent: Agent; csrf: string; startedAt: number; html: string }> {
  const agent = browser(gate);
  const startedAt = performance.now();
  const { csrf, html } = await identify(agent, `u${i}`);
  return { agent, csrf, startedAt, html };
}

describe('delivery over WhatsApp, then SMS', () => {
  it('uses WhatsApp when it works, says so, and never sends an SMS once delivered', async () => {
    wa.mode = { kind: 'ok' };
    const { agent, csrf, html } = await startLogin(0);
    expect(html).toContain('WhatsApp');
    const message = await whatsappTo(0);
    expect(message.language).toBe('en_US');
    await postWhatsAppStatus(message.id, 'delivered').expect(200);
    expect(await status(agent)).toMatchObject({
      channel: 'whatsapp',
      state: 'delivered',
      channels: [{ name: 'sms', label: 'SMS' }],
    });
    // The delivery has ended (a fallback would happen inside it, at the 300 ms deadline): no SMS follows.
    await gate.gate.challenges.idle();
    expect(tw.sent.some((m) => m.to === `+${digits(0)}`)).toBe(false);
    expect((await submitCode(agent, csrf, message.code)).status).toBe(303);
  });

  it('falls back to SMS at once when WhatsApp says the number is not on WhatsApp (131026)', async () => {
    wa.mode = { kind: 'error', code: 131026 };
    const { agent, csrf, startedAt } = await startLogin(1);
    const sms = await smsTo(1);
    const elapsed = sms.at - startedAt;
    console.log(`fallback after a WhatsApp error: ${elapsed.toFixed(0)} ms from request to SMS`);
    expect(elapsed).toBeLessThan(1_000);
    expect(await status(agent)).toMatchObject({ channel: 'sms', state: 'switched', switched_from: 'whatsapp' });
    expect(gate.audit.some((l) => l.includes('"code_send_failed"') && l.includes('unreachable-recipient'))).toBe(true);
    expect((await submitCode(agent, csrf, sms.code)).status).toBe(303);
  });

  it('falls back to SMS at once when WhatsApp is rate limited (130429, 131056, 131048)', async () => {
    for (const [i, code] of [
      [2, 130429],
      [3, 131056],
      [4, 131048],
    ] as const) {
      wa.mode = { kind: 'error', code, http: code === 130429 ? 429 : 400 };
      await startLogin(i);
      await smsTo(i, 1_000);
    }
  });

  it('falls back to SMS after the deadline when WhatsApp says "sent" but never "delivered"', async () => {
    wa.mode = { kind: 'ok' };
    const { agent, csrf, startedAt } = await startLogin(5);
    const message = await whatsappTo(5);
    await postWhatsAppStatus(message.id, 'sent').expect(200);
    const sms = await smsTo(5);
    const afterWhatsApp = sms.at - message.at;
    console.log(
      `fallback after no delivery report: ${(sms.at - startedAt).toFixed(0)} ms from request to SMS (deadline 300 ms)`,
    );
    expect(afterWhatsApp).toBeGreaterThanOrEqual(290);
    expect(afterWhatsApp).toBeLessThan(1_500);
    // The fallback re-sends the same live code: whichever message arrives first works.
    expect(sms.code).toBe(message.code);
    expect(sms.body).toMatch(new RegExp(`\\n@127\\.0\\.0\\.1 #${sms.code}$`));
    expect(await status(agent)).toMatchObject({ channel: 'sms', state: 'switched', switched_from: 'whatsapp' });
    expect((await submitCode(agent, csrf, message.code)).status).toBe(303);
  });

  it('falls back to SMS when the WhatsApp API does not answer in time', async () => {
    wa.mode = { kind: 'hang' };
    const { startedAt } = await startLogin(6);
    const sms = await smsTo(6, 5_000);
    console.log(`fallback after a WhatsApp timeout (1 s): ${(sms.at - startedAt).toFixed(0)} ms from request to SMS`);
    expect(sms.at - startedAt).toBeGreaterThanOrEqual(950);
    expect(gate.audit.some((l) => l.includes('"code_send_failed"') && l.includes('"timeout"'))).toBe(true);
    // A provider that does not answer is down until a check of it succeeds again (after 1 s).
    expect(gate.gate.health.isUp('whatsapp')).toBe(false);
    wa.mode = { kind: 'ok' };
    await waitFor('WhatsApp back up', () => gate.gate.health.isUp('whatsapp') || undefined);
  });

  it('falls back when WhatsApp reports the message failed', async () => {
    wa.mode = { kind: 'ok' };
    const { agent } = await startLogin(7);
    const message = await whatsappTo(7);
    await postWhatsAppStatus(message.id, 'failed').expect(200);
    const sms = await smsTo(7);
    expect(sms.at - message.at).toBeLessThan(290);
    expect((await status(agent)).state).toBe('switched');
  });

  it('says when every channel failed', async () => {
    wa.mode = { kind: 'error', code: 131026 };
    tw.mode = { kind: 'error', code: 21211 };
    const { agent } = await startLogin(8);
    await waitFor('failed state', () => (gate.audit.some((l) => l.includes('"code_undelivered"')) ? true : undefined));
    expect(await status(agent)).toMatchObject({ state: 'failed' });
    wa.mode = { kind: 'ok' };
    tw.mode = { kind: 'ok' };
  });

  it('lets the person pick SMS instead, with a new code', async () => {
    wa.mode = { kind: 'ok' };
    const { agent, html } = await startLogin(9);
    const first = await whatsappTo(9);
    await postWhatsAppStatus(first.id, 'delivered').expect(200); // no automatic fallback: the person asks
    expect(html).toContain('name="channel" value="sms"');
    clock.advance(250); // past the 200 ms resend cooldown
    const res = await agent
      .post('/_gate/resend')
      .type('form')
      .send({ csrf: hiddenField(html, 'csrf'), channel: 'sms' });
    expect(res.status).toBe(303);
    const sms = await smsTo(9);
    expect(sms.code).not.toBe(first.code);
    const page = await agent.get('/_gate/code').expect(200);
    expect(page.text).toContain('SMS');
    expect((await submitCode(agent, hiddenField(page.text, 'csrf'), sms.code)).status).toBe(303);
  });
});

describe('WhatsApp status webhooks', () => {
  it('answer the subscription handshake with the verify token, and refuse a wrong one', async () => {
    const ok = await request(gate.url)
      .get('/_gate/webhooks/whatsapp')
      .query({ 'hub.mode': 'subscribe', 'hub.verify_token': WA.verifyToken, 'hub.challenge': '1158201444' });
    expect(ok.status).toBe(200);
    expect(ok.text).toBe('1158201444');
    await request(gate.url)
      .get('/_gate/webhooks/whatsapp')
      .query({ 'hub.mode': 'subscribe', 'hub.verify_token': 'nope', 'hub.challenge': '1' })
      .expect(403);
  });

  it('refuse unsigned (401) and badly signed (403) reports, and audit them', async () => {
    const before = gate.audit.filter((l) => l.includes('"webhook_rejected"')).length;
    await postWhatsAppStatus('wamid.X', 'delivered', () => undefined).expect(401);
    await postWhatsAppStatus('wamid.X', 'delivered', (b) => signMeta(b, 'wrong-secret')).expect(403);
    await postWhatsAppStatus('wamid.X', 'delivered', (b) => signMeta(`${b} `)).expect(403);
    expect(gate.audit.filter((l) => l.includes('"webhook_rejected"')).length).toBe(before + 3);
  });

  it('accept duplicates harmlessly and apply them once', async () => {
    wa.mode = { kind: 'ok' };
    const { agent } = await startLogin(10);
    const message = await whatsappTo(10);
    const applied = () => gate.audit.filter((l) => l.includes('"delivery_status"')).length;
    const before = applied();
    await postWhatsAppStatus(message.id, 'delivered').expect(200);
    await postWhatsAppStatus(message.id, 'delivered').expect(200);
    await postWhatsAppStatus(message.id, 'sent').expect(200); // late and out of order
    expect(applied()).toBe(before + 1);
    expect((await status(agent)).state).toBe('delivered');
  });

  it('are reachable on the public_url host, which is not an app', async () => {
    const body = whatsAppStatusBody('wamid.unknown', 'delivered');
    await request(gate.url)
      .post('/_gate/webhooks/whatsapp')
      .set('Host', 'gate.test')
      .set('Content-Type', 'application/json')
      .set('X-Hub-Signature-256', signMeta(body))
      .send(body)
      .expect(200);
    // …and only the webhooks are: the login page is not served there.
    await request(gate.url).get('/_gate/login').set('Host', 'gate.test').set('Accept', 'text/html').expect(404);
  });
});

describe('Twilio status callbacks', () => {
  const path = '/_gate/webhooks/twilio';

  it('ask for reports at the public URL, and accept ones signed over it', async () => {
    wa.mode = { kind: 'error', code: 131026 };
    const { agent } = await startLogin(11);
    const sms = await smsTo(11);
    expect(sms.params.StatusCallback).toBe(`${PUBLIC}${path}`);
    expect(Number(sms.params.ValidityPeriod)).toBeLessThanOrEqual(300);
    const params = { MessageSid: sms.id, MessageStatus: 'delivered', AccountSid: TW.sid, To: sms.to, ErrorCode: '' };
    const report = () =>
      request(gate.url)
        .post(path)
        .set('Host', 'gate.test')
        .type('form')
        .set('X-Twilio-Signature', signTwilio(`${PUBLIC}${path}`, params))
        .send(params)
        .expect(204);
    // Twilio sends a callback again when it saw no answer in time: the same report twice is one.
    await report();
    await report();
    expect(await status(agent)).toMatchObject({ channel: 'sms', state: 'delivered', switched_from: 'whatsapp' });
    wa.mode = { kind: 'ok' };
  });

  it('refuse reports signed over another URL, with another token, or unsigned', async () => {
    const params = { MessageSid: 'SM1', MessageStatus: 'delivered' };
    const send = (signature?: string) => {
      const req = request(gate.url).post(path).set('Host', 'gate.test').type('form');
      return (signature === undefined ? req : req.set('X-Twilio-Signature', signature)).send(params);
    };
    await send().expect(401);
    await send(signTwilio(`${gate.url}${path}`, params)).expect(403);
    await send(signTwilio(`${PUBLIC}${path}`, params, 'other-token')).expect(403);
    await send(signTwilio(`${PUBLIC}${path}`, { ...params, MessageStatus: 'failed' })).expect(403);
  });
});

describe('the code page', () => {
  it('shows the status without JavaScript and loads its poller only as a same-origin file', async () => {
    wa.mode = { kind: 'ok' };
    const { agent } = await startLogin(12);
    const page = await agent.get('/_gate/code').expect(200);
    expect(page.text).toContain('href="/_gate/code" id="status-link"');
    expect(page.text).toContain('<script src="/_gate/assets/code-status.js" defer></script>');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).not.toContain('unsafe-inline');
    const script = await agent.get('/_gate/assets/code-status.js').expect(200);
    expect(script.headers['content-type']).toMatch(/javascript/);
    const body = await status(agent);
    expect(body).toMatchObject({ channel: 'whatsapp', channel_label: 'WhatsApp' });
    expect(typeof body.resend_at).toBe('string');
    expect(typeof body.resend_in_seconds).toBe('number');
  });

  it('shows an unknown identity the same kind of status as a real one', async () => {
    const agent = browser(gate);
    await identify(agent, 'nobody-here');
    const body = await status(agent);
    expect(Object.keys(body).sort()).toEqual([
      'arrival',
      'channel',
      'channel_label',
      'channels',
      'expires_at',
      'message',
      'resend_at',
      'resend_in_seconds',
      'state',
    ]);
    expect(body).toMatchObject({ channel: 'whatsapp', state: 'sent' });
  });

  it('answers the status poll with 404 without a live challenge', async () => {
    await browser(gate).get('/_gate/code/status').set('Accept', 'application/json').expect(404);
  });

  it('never writes a code or a full phone number to the audit trail', async () => {
    const codes = [...wa.sent, ...tw.sent].map((m) => m.code);
    for (const line of gate.audit) {
      for (const code of codes) expect(line).not.toContain(`"${code}"`);
      expect(line).not.toMatch(/3933300000\d\d/);
    }
  });
});
