// Learning from deliveries, end to end against the provider stand-ins: codes sent over WhatsApp,
// `delivered` reports after controlled delays (the gate's clock moves between send and report),
// codes typed in; the figures they feed, the code page's arrival sentence, an `auto` deadline that
// follows them, and a `failed` report that lifts the resend cooldown. On the memory store, and on
// Redis with two gates: one learns, the other tells.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createFiguresReader } from '../../src/channels/delivery-figures.js';
import { createManualClock } from '../../src/shared/clock.js';
import type { Agent } from '../helpers/browser.js';
import { browser, hiddenField, identify, signIn, submitCode } from '../helpers/browser.js';
import type { FakeTwilio } from '../helpers/fake-twilio.js';
import { startFakeTwilio } from '../helpers/fake-twilio.js';
import type { FakeWhatsApp } from '../helpers/fake-whatsapp.js';
import { signMeta, startFakeWhatsApp, whatsAppStatusBody } from '../helpers/fake-whatsapp.js';
import type { TestGate } from '../helpers/gate.js';
import { startTestGate } from '../helpers/gate.js';
import { redisStoreSection } from '../helpers/redis-gate.js';
import { REDIS_INSTALL, REDIS_SERVER, useRedis } from '../helpers/redis-server.js';
import { describeWithBinary } from '../helpers/system-binary.js';
import type { TestUpstream } from '../helpers/upstream.js';
import { startUpstream } from '../helpers/upstream.js';
import { waitFor } from '../helpers/wait.js';

const USERS = `users:\n${Array.from({ length: 16 }, (_, i) => `  u${i}:\n    phone: "+39 333 000 00${String(i).padStart(2, '0')}"`).join('\n')}\n`;
const digits = (i: number) => `3933300000${String(i).padStart(2, '0')}`;
const OTP =
  'resend_after: 60s\nmax_sends_per_hour: 1000\nmax_sends_per_address_per_hour: 1000\nmax_sends_per_destination_per_hour: 1000\nmax_sends_per_prefix_per_hour: 1000';
const FIGURES = 'delivery_figures:\n  min_samples: 2\n';
/** Past the figures' read cache (30 s on the gate's clock). */
const PAST_CACHE_MS = 31_000;

interface Fakes {
  wa: FakeWhatsApp;
  tw: FakeTwilio;
  upstream: TestUpstream;
}

async function startFakes(): Promise<Fakes> {
  const [wa, tw, upstream] = await Promise.all([startFakeWhatsApp(), startFakeTwilio(), startUpstream()]);
  return { wa, tw, upstream };
}

function gateOptions(fakes: Fakes, clock: ReturnType<typeof createManualClock>, deadline: string, extra = '') {
  return {
    upstream: fakes.upstream.url,
    clock,
    users: USERS,
    server: 'listen: "127.0.0.1:0"\ninsecure_http: true\npublic_url: "http://gate.test"',
    otp: OTP,
    channels: `${fakes.wa.config().replace('delivery_timeout: 300ms', `delivery_timeout: ${deadline}`)}${fakes.tw.config()}`,
    extraConfig: `${FIGURES}${extra}`,
  };
}

/** The WhatsApp message to u<i>, once the gate has noted sending it (a report before that finds nothing). */
const whatsappTo = (fakes: Fakes, gate: TestGate, i: number, after = 0) =>
  waitFor(`WhatsApp to u${i}`, () =>
    fakes.wa.sent
      .slice(after)
      .find((m) => m.to === digits(i) && gate.audit.some((l) => l.includes('"code_sent"') && l.includes(m.id))),
  );

const postWhatsAppStatus = (gate: TestGate, id: string, state: string, i: number) => {
  const body = whatsAppStatusBody(id, state, digits(i));
  return request(gate.url)
    .post('/_gate/webhooks/whatsapp')
    .set('Content-Type', 'application/json')
    .set('X-Hub-Signature-256', signMeta(body))
    .send(body)
    .expect(200);
};

const status = async (agent: Agent) =>
  (await agent.get('/_gate/code/status').set('Accept', 'application/json').expect(200)).body as Record<string, unknown>;

/** The figures as the gate's store holds them, once every gate named has written its counts. */
async function readFigures(gate: TestGate, clock: ReturnType<typeof createManualClock>, ...counting: TestGate[]) {
  await Promise.all([gate, ...counting].map((g) => g.gate.learning.idle()));
  return createFiguresReader({
    store: gate.gate.store,
    clock,
    settings: { minSamples: 2, halfLifeMs: 2 * 86_400_000 },
  });
}

/** Signs u<i> in: WhatsApp takes `delayMs` (on the gate's clock) to report `delivered`, then the code is typed in. */
async function teach(
  fakes: Fakes,
  sender: TestGate,
  clock: ReturnType<typeof createManualClock>,
  i: number,
  delayMs: number,
) {
  const agent = browser(sender);
  const { csrf } = await identify(agent, `u${i}`);
  const message = await whatsappTo(fakes, sender, i);
  clock.advance(delayMs);
  await postWhatsAppStatus(sender, message.id, 'delivered', i);
  expect((await submitCode(agent, csrf, message.code)).status).toBe(303);
  // What the gate then says depends on these counts: they are written in batches, apart from the sign-in.
  await sender.gate.learning.idle();
}

describe('delivery figures on the memory store', () => {
  let fakes: Fakes;
  let gate: TestGate;
  const clock = createManualClock(Date.now());

  beforeAll(async () => {
    fakes = await startFakes();
    gate = await startTestGate(gateOptions(fakes, clock, '5s'));
  });
  afterAll(async () => {
    await gate?.close();
    await Promise.all([fakes?.wa.close(), fakes?.tw.close(), fakes?.upstream.close()]);
  });

  it('says honestly that the arrival time is not known yet, that WhatsApp goes to the phone only, and from whom', async () => {
    const { html } = await identify(browser(gate), 'u0');
    expect(html).toContain('not to linked devices');
    expect(html).toContain(
      'The message comes from our verified WhatsApp business account and has a “Copy code” button.',
    );
    expect(html).toContain('say yet how long it takes');
    expect(html).not.toContain('usually arrives');
    expect(html).not.toContain('within a minute');
  });

  it('learns the time to delivered, the share delivered and the share typed in from the reports', async () => {
    for (const i of [1, 2, 3]) await teach(fakes, gate, clock, i, 4000);
    clock.advance(PAST_CACHE_MS);
    const figures = await (await readFigures(gate, clock)).figures('whatsapp', { country: 'IT', prefix: '+39333' });
    expect(figures).toMatchObject({ p50Ms: 3500, p90Ms: 3900 });
    // u0's code went out too, but was never reported or typed in.
    expect(figures!.samples).toBeCloseTo(4, 1);
    expect(figures!.deliveredShare).toBeCloseTo(0.75, 2);
    expect(figures!.verifiedShare).toBeCloseTo(0.75, 2);
  });

  it('tells the learned arrival time on the code page and in the status poll', async () => {
    const agent = browser(gate);
    const { html } = await identify(agent, 'u4');
    expect(html).toContain('usually arrives in 4 seconds');
    expect(html).toContain('not to linked devices');
    expect((await status(agent)).arrival).toContain('usually arrives in 4 seconds');
  });

  it('counts a failed report once, and it lifts the resend cooldown at once, live and on reload', async () => {
    const agent = browser(gate);
    const { html } = await identify(agent, 'u5');
    const csrf = hiddenField(html, 'csrf');
    expect((await status(agent)).resend_in_seconds).toBeGreaterThan(50);
    const message = await whatsappTo(fakes, gate, 5);
    await postWhatsAppStatus(gate, message.id, 'failed', 5);
    await postWhatsAppStatus(gate, message.id, 'failed', 5);
    expect(await status(agent)).toMatchObject({ resend_in_seconds: 0 });
    const page = await agent.get('/_gate/code').expect(200);
    expect(page.text).toContain('You can ask for a new code now');
    const before = fakes.wa.sent.length;
    await agent.post('/_gate/resend').type('form').send({ csrf, channel: 'whatsapp' }).expect(303);
    await whatsappTo(fakes, gate, 5, before);
    const metrics = await gate.gate.metrics.registry.getSingleMetricAsString('otp_gate_delivery_reports_total');
    expect(metrics).toContain('channel="whatsapp",country="IT",status="failed"} 1');
  });
});

describe('an auto delivery deadline', () => {
  let fakes: Fakes;
  let gate: TestGate;
  const clock = createManualClock(Date.now());

  beforeAll(async () => {
    fakes = await startFakes();
    gate = await startTestGate(gateOptions(fakes, clock, '{ auto: true, min: 200ms, max: 5s, margin: 100ms }'));
  });
  afterAll(async () => {
    await gate?.close();
    await Promise.all([fakes?.wa.close(), fakes?.tw.close(), fakes?.upstream.close()]);
  });

  it('falls back to SMS after the learned p90 plus the margin', async () => {
    for (const i of [0, 1]) await teach(fakes, gate, clock, i, 300);
    clock.advance(PAST_CACHE_MS);
    await identify(browser(gate), 'u2');
    await waitFor('an SMS to u2', () => fakes.tw.sent.find((m) => m.to === `+${digits(2)}`));
    // Two deliveries in the (0, 500 ms] bucket: p90 450 ms, plus 100 ms.
    expect(gate.audit.some((l) => l.includes('"code_fallback"') && l.includes('within 550 ms'))).toBe(true);
  });
});

describe('the console channel, as the demo runs it', () => {
  let upstream: TestUpstream;
  let gate: TestGate;

  beforeAll(async () => {
    upstream = await startUpstream();
    gate = await startTestGate({ upstream: upstream.url, extraConfig: 'delivery_figures:\n  min_samples: 3\n' });
  });
  afterAll(async () => {
    await gate?.close();
    await upstream?.close();
  });

  it('tells the learned arrival time after a few sign-ins, a code printed counting as delivered', async () => {
    const { html: before } = await identify(browser(gate), 'alice');
    expect(before).toContain('say yet how long codes take');
    for (let i = 0; i < 3; i++) expect((await signIn(gate, browser(gate), 'alice')).status).toBe(303);
    await gate.gate.learning.idle();
    const { html } = await identify(browser(gate), 'alice');
    expect(html).toContain('usually arrives in 1 second and');
  });
});

describeWithBinary('delivery figures on redis', REDIS_SERVER, REDIS_INSTALL, (binary) => {
  const redis = useRedis(binary);
  let fakes: Fakes;
  let a: TestGate;
  let b: TestGate;
  const clock = createManualClock(Date.now());

  beforeAll(async () => {
    fakes = await startFakes();
    a = await startTestGate(gateOptions(fakes, clock, '5s', redisStoreSection(redis.url)));
    b = await startTestGate(gateOptions(fakes, clock, '5s', redisStoreSection(redis.url)));
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await Promise.all([fakes?.wa.close(), fakes?.tw.close(), fakes?.upstream.close()]);
  });

  it('tells on one gate the arrival time learned from deliveries through another', async () => {
    for (const i of [0, 1, 2]) await teach(fakes, a, clock, i, 7000);
    const { html } = await identify(browser(b), 'u3');
    // Three deliveries in the (5 s, 7.5 s] bucket: the median is 6.25 s.
    expect(html).toContain('usually arrives in 6 seconds');
  });

  it('counts a report taken by both gates once', async () => {
    const agent = browser(a);
    await identify(agent, 'u4');
    const message = await whatsappTo(fakes, a, 4);
    await Promise.all([
      postWhatsAppStatus(a, message.id, 'delivered', 4),
      postWhatsAppStatus(b, message.id, 'delivered', 4),
    ]);
    clock.advance(PAST_CACHE_MS);
    const figures = await (await readFigures(b, clock, a)).figures('whatsapp', { country: 'IT' });
    // u0 to u4 were sent a code; u3's was never reported, u4's twice.
    expect(figures!.samples).toBeCloseTo(5, 1);
    expect(figures!.deliveredShare).toBeCloseTo(0.8, 2);
  });
});
