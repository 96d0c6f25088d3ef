// Attacks on codes and cookies: racing one code, forging and replaying cookies, planting one
// before login, and telling real users from unknown ones by timing.
import fc from 'fast-check';
import request from 'supertest';
import { describe, expect, it } from 'vitest';

import { browser, hiddenField, identify, sessionCookieValue, signIn, signOut, submitCode } from '../helpers/browser.js';
import { useGate } from '../helpers/gate.js';
import { FUZZ } from './fuzz-runs.js';

const USERS = `
users:
  alice:
    name: Alice Example
    phone: "+39 333 000 0001"
    groups: [admins]
  bob:
    name: Bob Example
    phone: "+1 202 555 0102"
${Array.from({ length: 15 }, (_, i) => `  known${i}:\n    name: Known ${i}\n    phone: "+39 333 100 00${String(i).padStart(2, '0')}"`).join('\n')}
`;
const env = useGate({ users: USERS });

const api = (cookie: string) =>
  request(env.gate.url).get('/page').set('Accept', 'application/json').set('Cookie', `otp_gate=${cookie}`);

describe('one code, many tries at once', () => {
  it('logs in exactly once when ten requests race with the right code', async () => {
    const agent = browser(env.gate);
    const { csrf } = await identify(agent, 'bob');
    const code = await env.gate.inbox.code('bob', env.gate.inbox.codesFor('bob').length);
    const results = await Promise.all(Array.from({ length: 10 }, () => submitCode(agent, csrf, code)));
    expect(results.filter((r) => r.status === 303)).toHaveLength(1);
  });
});

describe('forged cookies', () => {
  it('any change to a valid cookie makes it no cookie', async () => {
    const cookie = sessionCookieValue(await signIn(env.gate, browser(env.gate), 'alice'));
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: cookie.length - 1 }), fc.constantFrom(...'ABCabc019-_.'), async (at, ch) => {
        fc.pre(cookie[at] !== ch);
        const forged = cookie.slice(0, at) + ch + cookie.slice(at + 1);
        await api(forged).expect(401);
      }),
      { seed: FUZZ.seed, numRuns: Math.min(FUZZ.numRuns, 100) },
    );
    await api(cookie).expect(200);
  });

  it('a cookie cannot be moved to another user by editing it', async () => {
    const alice = sessionCookieValue(await signIn(env.gate, browser(env.gate), 'alice'));
    const res = await api(alice).expect(200);
    expect(res.body.headers['remote-user']).toBe('alice');
    const [id] = alice.split('.');
    await api(`${id}bob.${alice.split('.')[1]}`).expect(401);
  });

  it('a cookie is dead after logout, even replayed from elsewhere', async () => {
    const agent = browser(env.gate);
    const cookie = sessionCookieValue(await signIn(env.gate, agent, 'alice'));
    await signOut(agent);
    await api(cookie).expect(401);
  });

  it('a session cookie planted before login is not the one after it', async () => {
    const attacker = sessionCookieValue(await signIn(env.gate, browser(env.gate), 'bob'));
    const victim = browser(env.gate);
    victim.jar.setCookie(`otp_gate=${attacker}; Path=/`, new URL(env.gate.url).hostname, '/');
    const after = sessionCookieValue(await signIn(env.gate, victim, 'alice'));
    expect(after).not.toBe(attacker);
    const res = await api(after).expect(200);
    expect(res.body.headers['remote-user']).toBe('alice');
    // The planted session was replaced at login, so the attacker's copy is dead too.
    await api(attacker).expect(401);
  });
});

describe('telling users apart', () => {
  it('asking a code for a real and an unknown user takes about the same time', async () => {
    const time = async (identifier: string) => {
      const agent = browser(env.gate);
      const page = await agent.get('/_gate/login').expect(200);
      const started = process.hrtime.bigint();
      await agent
        .post('/_gate/login')
        .type('form')
        .send({ identifier, rd: '/', csrf: hiddenField(page.text, 'csrf') })
        .expect(303);
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 15; i++) {
      known.push(await time(`known${i}`));
      unknown.push(await time(`nobody${i}`));
    }
    // Delivery runs after the response for everyone, so the answer itself has nothing to wait for;
    // a provider call in the request path would show as a gap of a hundred milliseconds or more.
    // The bound leaves room for a loaded CI machine.
    expect(Math.abs(median(known) - median(unknown))).toBeLessThan(20);
  });
});
