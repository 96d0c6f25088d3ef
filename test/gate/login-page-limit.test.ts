// The sign-in page is limited per client address and per client network (issue 24): past the
// budget of a minute the answer is a short 429 page in the person's language, with Retry-After;
// the next minute the page is shown again.
import request from 'supertest';
import { describe, expect, it } from 'vitest';

import { createManualClock } from '../../src/shared/clock.js';
import { useGate } from '../helpers/gate.js';

describe("the sign-in page's budget per address and per network", () => {
  const clock = createManualClock(Date.UTC(2026, 0, 1, 12, 0, 0));
  const env = useGate({
    clock,
    server: 'listen: "127.0.0.1:0"\ninsecure_http: true\ntrusted_proxies: ["127.0.0.1/32"]',
    extraConfig: 'pages:\n  max_login_pages_per_address_per_minute: 3\n  max_login_pages_per_network_per_minute: 5\n',
  });
  const open = (ip: string, accept = 'text/html', language = 'en') =>
    request(env.gate.url)
      .get('/_gate/login?rd=%2Fdocs')
      .set('X-Forwarded-For', ip)
      .set('Accept', accept)
      .set('Accept-Language', language);

  it('refuses an address past its budget with a page saying so in its language, and Retry-After until the minute ends', async () => {
    clock.advance(60_000);
    for (let i = 0; i < 3; i++) await open('198.51.100.1').expect(200);
    clock.advance(15_000);
    const refused = await open('198.51.100.1', 'text/html', 'it').expect(429);
    expect(refused.text).toContain('Troppe pagine di accesso');
    expect(refused.text).not.toContain('name="csrf"');
    expect(refused.headers['retry-after']).toBe('45');
    const api = await open('198.51.100.1', 'application/json').expect(429);
    expect(api.body.error).toBe('too_many_requests');
    await open('192.0.2.1').expect(200);
  });

  it('lets the addresses of one network share one budget, and opens again the next minute', async () => {
    clock.advance(60_000);
    const answers = [];
    for (let i = 1; i <= 6; i++) answers.push((await open(`203.0.113.${i}`)).status);
    expect(answers).toEqual([200, 200, 200, 200, 200, 429]);
    clock.advance(60_000);
    await open('203.0.113.6').expect(200);
  });

  it("counts an address's refused view once against its network", async () => {
    clock.advance(60_000);
    for (let i = 0; i < 3; i++) await open('198.51.100.20').expect(200);
    await open('198.51.100.20').expect(429);
    // Network views so far: four. A fifth from a neighbour is still within the network's five.
    await open('198.51.100.21').expect(200);
    await open('198.51.100.22').expect(429);
  });
});
