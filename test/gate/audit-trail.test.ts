// One sign-in's audit lines can be read together: the same flow and user on each, and the
// provider's message id on the lines about that message (issue 16).
import request from 'supertest';
import { afterAll, beforeAll, expect, it } from 'vitest';

import { browser, identify, submitCode } from '../helpers/browser.js';
import type { FakeWhatsApp } from '../helpers/fake-whatsapp.js';
import { signMeta, startFakeWhatsApp, whatsAppStatusBody } from '../helpers/fake-whatsapp.js';
import type { TestGate } from '../helpers/gate.js';
import { startTestGate } from '../helpers/gate.js';
import type { TestUpstream } from '../helpers/upstream.js';
import { startUpstream } from '../helpers/upstream.js';
import { waitFor } from '../helpers/wait.js';

let wa: FakeWhatsApp;
let upstream: TestUpstream;
let gate: TestGate;

beforeAll(async () => {
  [wa, upstream] = await Promise.all([startFakeWhatsApp(), startUpstream()]);
  gate = await startTestGate({
    upstream: upstream.url,
    channels: wa.config().replace('delivery_timeout: 300ms', 'delivery_timeout: 10s'),
  });
});
afterAll(async () => {
  await gate?.close();
  await Promise.all([wa?.close(), upstream?.close()]);
});

type AuditLine = Record<string, string | undefined>;
const lines = (): AuditLine[] => gate.audit.map((l) => JSON.parse(l) as AuditLine);

const until = <T>(find: () => T | undefined) =>
  waitFor(() => `the next step; the audit so far:\n${gate.audit.join('\n')}`, find);

it('ties challenge_started, code_sent, delivery_status and login together by flow and user, and the delivery lines by message id', async () => {
  const agent = browser(gate);
  const { csrf } = await identify(agent, 'alice');
  // Once the gate has noted the send: a status report before that would find no message.
  const message = await until(() =>
    wa.sent.find(
      (m) => m.to === '393330000001' && gate.audit.some((l) => l.includes('"code_sent"') && l.includes(m.id)),
    ),
  );
  const body = whatsAppStatusBody(message.id, 'delivered');
  await request(gate.url)
    .post('/_gate/webhooks/whatsapp')
    .set('Content-Type', 'application/json')
    .set('X-Hub-Signature-256', signMeta(body))
    .send(body)
    .expect(200);
  await until(() => lines().find((l) => l.event === 'delivery_status'));
  expect((await submitCode(agent, csrf, message.code)).status).toBe(303);

  const events = ['challenge_started', 'code_sent', 'delivery_status', 'login'].map((event) =>
    lines().find((l) => l.event === event),
  );
  const [, sent, status] = events;
  expect(events.map((l) => l?.user)).toEqual(['alice', 'alice', 'alice', 'alice']);
  expect(events[0]?.flow).toMatch(/^[\w-]{16}$/);
  expect(new Set(events.map((l) => l?.flow)).size).toBe(1);
  expect(sent?.messageId).toBe(message.id);
  expect(status?.messageId).toBe(message.id);
  expect(status?.reason).toBe('delivered');
  expect(gate.audit.join('\n')).not.toContain('3330000001');
});
