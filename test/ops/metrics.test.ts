// The Prometheus listener after a real sign-in: decisions, codes sent, verifications, sessions,
// reload state and provider latency, on its own address and nowhere on the gate's port.
import request from 'supertest';
import { describe, expect, it } from 'vitest';

import { browser, identify, sessionCookie, signIn, submitCode } from '../helpers/browser.js';
import { useGate } from '../helpers/gate.js';

describe('metrics', () => {
  const env = useGate();

  it('counts a sign-in and what led to it', async () => {
    await request(env.gate.url).get('/docs/').set('Accept', 'application/json').expect(401);
    await request(env.gate.url).get('/public/x').expect(200);
    const agent = browser(env.gate);
    const wrong = await identify(agent, 'bob');
    await submitCode(agent, wrong.csrf, '000000');
    const res = await signIn(env.gate, browser(env.gate), 'alice', '/docs/');
    expect(res.status).toBe(303);
    const cookie = sessionCookie(res);
    await request(env.gate.url).get('/docs/').set('Cookie', cookie).expect(200);

    const metricsUrl = env.gate.gate.metricsUrl!;
    expect(metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const res2 = await request(metricsUrl).get('').expect(200);
    expect(res2.headers['content-type']).toContain('text/plain');
    const text = res2.text;
    const value = (series: string) =>
      Number(new RegExp(`^${series.replace(/[{}"]/g, (c) => `\\${c}`)} (\\S+)$`, 'm').exec(text)?.[1]);

    expect(value('otp_gate_requests_total{decision="challenge",via="proxy"}')).toBeGreaterThanOrEqual(1);
    expect(value('otp_gate_requests_total{decision="bypass",via="proxy"}')).toBeGreaterThanOrEqual(1);
    expect(value('otp_gate_requests_total{decision="forward",via="proxy"}')).toBeGreaterThanOrEqual(1);
    expect(value('otp_gate_codes_sent_total{channel="console",outcome="ok"}')).toBeGreaterThanOrEqual(2);
    expect(value('otp_gate_verifications_total{outcome="success"}')).toBe(1);
    expect(value('otp_gate_verifications_total{outcome="wrong"}')).toBe(1);
    expect(value('otp_gate_active_sessions')).toBe(1);
    expect(value('otp_gate_config_reload_success')).toBe(1);
    for (const name of [
      'otp_gate_channel_fallbacks_total',
      'otp_gate_lockouts_total',
      'otp_gate_provider_latency_seconds',
      'otp_gate_process_cpu_seconds_total',
    ]) {
      expect(text).toContain(`# TYPE ${name}`);
    }
    // Nothing about who: no usernames, no phone numbers, no codes.
    expect(text).not.toMatch(/alice|bob|\+39|\+1 202/);
  });

  it("is not served on the gate's own port", async () => {
    await request(env.gate.url)
      .get('/metrics')
      .set('Accept', 'application/json')
      .expect((r) => expect(r.status).not.toBe(200));
  });

  it('answers 404 for anything but GET /metrics', async () => {
    await request(new URL('/', env.gate.gate.metricsUrl!).href).get('').expect(404);
  });
});

describe('metrics turned off', () => {
  const env = useGate({ metrics: 'listen: "off"' });

  it('opens no listener', () => {
    expect(env.gate.gate.metricsUrl).toBeUndefined();
  });
});
