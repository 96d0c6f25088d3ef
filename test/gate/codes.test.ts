import { describe, expect, it } from 'vitest';

import { HOUR } from '../../src/challenge/limits.js';
import { createManualClock } from '../../src/shared/clock.js';
import { browser, hiddenField, identify, submitCode } from '../helpers/browser.js';
import { useGate } from '../helpers/gate.js';

const clock = createManualClock(Date.now());
const USERS = `
users:
${Array.from({ length: 15 }, (_, i) => `  user${i}:\n    name: User ${i}\n    phone: "+39 333 000 01${String(i).padStart(2, '0')}"\n    groups: [staff]`).join('\n')}
`;

const env = useGate({
  users: USERS,
  clock,
  otp: 'ttl: 5m\nmax_attempts: 5\nresend_after: 30s\nmax_sends_per_hour: 3\nmax_sends_per_address_per_hour: 1000\nlockout_after: 8\nlockout_duration: 15m',
});

const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

describe('one-time codes', () => {
  it('are six digits by default', async () => {
    await identify(browser(env.gate), 'user0');
    expect(await env.gate.inbox.code('user0')).toMatch(/^\d{6}$/);
  });

  it('are accepted once only', async () => {
    const agent = browser(env.gate);
    const { csrf } = await identify(agent, 'user1');
    const code = await env.gate.inbox.code('user1');
    expect((await submitCode(agent, csrf, code)).status).toBe(303);
    const again = await submitCode(browser(env.gate).set('Cookie', ''), csrf, code);
    expect(again.status).not.toBe(303);
    const sameBrowser = await submitCode(agent, csrf, code);
    expect(sameBrowser.status).not.toBe(303);
  });

  it('expire after their lifetime', async () => {
    const agent = browser(env.gate);
    const { csrf } = await identify(agent, 'user2');
    const code = await env.gate.inbox.code('user2');
    clock.advance(5 * 60_000 + 1);
    const res = await submitCode(agent, csrf, code);
    expect(res.status).toBe(400);
    expect(res.text).toContain('expired');
  });

  it('say how many tries are left after a wrong code', async () => {
    const agent = browser(env.gate);
    const { csrf } = await identify(agent, 'user3');
    const code = await env.gate.inbox.code('user3');
    const res = await submitCode(agent, csrf, wrong(code));
    expect(res.status).toBe(400);
    expect(res.text).toContain('4 tries left');
  });

  it('die after five wrong tries, even when the sixth is right', async () => {
    const agent = browser(env.gate);
    const { csrf } = await identify(agent, 'user4');
    const code = await env.gate.inbox.code('user4');
    for (let i = 0; i < 5; i++) await submitCode(agent, csrf, wrong(code));
    const res = await submitCode(agent, csrf, code);
    expect(res.status).toBe(400);
    expect(res.text).toContain('Too many wrong tries for this code. Ask for a new code.');
  });

  it('offer only a new code after the last wrong try, not a field that cannot succeed', async () => {
    const agent = browser(env.gate);
    const { csrf } = await identify(agent, 'user12');
    const code = await env.gate.inbox.code('user12');
    for (let i = 0; i < 4; i++) await submitCode(agent, csrf, wrong(code));
    const res = await submitCode(agent, csrf, wrong(code));
    expect(res.status).toBe(400);
    expect(res.text).toContain('Too many wrong tries for this code. Ask for a new code.');
    expect(res.text).not.toContain('0 tries left');
    expect(res.text).not.toContain('id="verify-form"');
    expect(res.text).toMatch(/<button type="submit" id="resend"/);
  });

  it('cannot be resent before the cooldown', async () => {
    const agent = browser(env.gate);
    const { csrf } = await identify(agent, 'user5');
    const res = await agent.post('/_gate/resend').type('form').send({ csrf });
    expect(res.status).toBe(429);
    expect(res.text).toMatch(/new one in \d+ seconds/);
    expect(env.gate.inbox.codesFor('user5')).toHaveLength(1);
  });

  it('can be resent after the cooldown, and the new code replaces the old', async () => {
    const agent = browser(env.gate);
    const { csrf } = await identify(agent, 'user6');
    const first = await env.gate.inbox.code('user6', 1);
    clock.advance(31_000);
    expect((await agent.post('/_gate/resend').type('form').send({ csrf })).status).toBe(303);
    const second = await env.gate.inbox.code('user6', 2);
    if (second !== first) expect((await submitCode(agent, csrf, first)).status).toBe(400);
    expect((await submitCode(agent, csrf, second)).status).toBe(303);
  });

  it("are not held back by another sign-in's cooldown: a new sign-in gets its code at once, and the hourly cap per person bounds them", async () => {
    // resend_after spaces Resend within one sign-in only; new sign-ins count against max_sends_per_hour (3 here).
    clock.advance(HOUR - (clock.now() % HOUR) + 1_000);
    for (let i = 0; i < 3; i++) expect((await identify(browser(env.gate), 'user11')).status).toBe(303);
    expect(env.gate.inbox.codesFor('user11')).toHaveLength(3);
    const fourth = await identify(browser(env.gate), 'user11');
    expect(fourth.status).toBe(429);
    expect(fourth.html).toContain('Too many codes');
  });

  it('are capped per person per hour', async () => {
    // Caps count in fixed clock hours: start this one at the top of an hour.
    clock.advance(HOUR - (clock.now() % HOUR) + 1_000);
    const agent = browser(env.gate);
    const { csrf } = await identify(agent, 'user7');
    for (let i = 0; i < 2; i++) {
      clock.advance(31_000);
      expect((await agent.post('/_gate/resend').type('form').send({ csrf })).status).toBe(303);
    }
    clock.advance(31_000);
    const res = await agent.post('/_gate/resend').type('form').send({ csrf });
    expect(res.status).toBe(429);
    expect(res.text).toContain('Too many codes');
  });

  it('say at the hourly cap when a new code can be asked for, with the button locked and the code field untouched', async () => {
    clock.advance(HOUR - (clock.now() % HOUR) + 1_000);
    const agent = browser(env.gate);
    const { csrf } = await identify(agent, 'user13');
    for (let i = 0; i < 2; i++) {
      clock.advance(31_000);
      await agent.post('/_gate/resend').type('form').send({ csrf }).expect(303);
    }
    clock.advance(31_000);
    const res = await agent.post('/_gate/resend').type('form').send({ csrf }).expect(429);
    expect(res.text).toMatch(
      /<p class="error" role="alert" id="resend-refusal">Too many codes were requested\. Try again in \d+ minutes\.<\/p>/,
    );
    expect(res.text).not.toContain('You can ask for a new code now');
    expect(res.text).toMatch(/<button type="submit" class="secondary" id="resend" disabled data-locked>/);
    expect(res.text).not.toContain('aria-invalid="true"');
  });

  it('lock the resend button during its countdown', async () => {
    const { html } = await identify(browser(env.gate), 'user14');
    expect(html).toContain('You can ask for a new code in 30 seconds.');
    expect(html).toMatch(/<button type="submit" class="secondary" id="resend" disabled data-locked>/);
  });

  it('keep counting failures across new codes and lock the person out', async () => {
    const agent = browser(env.gate);
    let { csrf } = await identify(agent, 'user8');
    let failures = 0;
    for (let n = 1; failures < 8; n++) {
      const code = await env.gate.inbox.code('user8', n);
      for (let i = 0; i < 5 && failures < 8; i++, failures++) await submitCode(agent, csrf, wrong(code));
      if (failures < 8) {
        clock.advance(31_000);
        const page = await agent.post('/_gate/resend').type('form').send({ csrf }).redirects(1);
        csrf = hiddenField(page.text, 'csrf');
      }
    }
    const code = env.gate.inbox.codesFor('user8').at(-1)!;
    const res = await submitCode(agent, csrf, code);
    expect(res.status).toBe(429);
    expect(res.text).toContain('Too many wrong codes');
    expect(env.gate.audit.some((l) => l.includes('"lockout"'))).toBe(true);
  });
});

describe('an unknown identity', () => {
  it('gets the same answer and the same kind of page as a known one', async () => {
    const known = await identify(browser(env.gate), 'user9');
    const unknown = await identify(browser(env.gate), 'nobody-here');
    expect(unknown.status).toBe(known.status);
    const shape = (html: string) => html.replace(/value="[^"]*"/g, '').replace(/\+\d+ [•\d ]+/g, 'PHONE');
    expect(shape(unknown.html)).toBe(shape(known.html));
  });

  it('never receives a code that works', async () => {
    const agent = browser(env.gate);
    const { csrf } = await identify(agent, '+39 333 999 9999');
    const res = await submitCode(agent, csrf, '000000');
    expect(res.status).toBe(400);
  });
});

describe('the audit trail', () => {
  it('records sends, failures and logins without codes or full phone numbers', async () => {
    const agent = browser(env.gate);
    const { csrf } = await identify(agent, 'user10');
    const code = await env.gate.inbox.code('user10');
    await submitCode(agent, csrf, wrong(code));
    await submitCode(agent, csrf, code);
    await env.gate.gate.challenges.idle();
    const lines = env.gate.audit.filter((l) => l.includes('user10'));
    const events = lines.map((l) => JSON.parse(l).event);
    expect(events).toEqual(expect.arrayContaining(['challenge_started', 'code_sent', 'code_failed', 'login']));
    for (const line of env.gate.audit) {
      expect(line).not.toContain(code);
      expect(line).not.toMatch(/333\s?000\s?01\d\d/);
      expect(line).not.toMatch(/\+39333/);
    }
  });
});
