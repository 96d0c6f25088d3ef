// Behaviour of the explain text: facts, HIT/MISS per rule, the decision, and the given user.
import { describe, expect, it } from 'vitest';

import { explain } from '../../src/policy/decide.js';
import { formatExplain } from '../../src/policy/format-explain.js';
import type { RequestFacts } from '../../src/policy/types.js';
import { bypass, challenge, CTX, deny, facts, policy } from './builders.js';

const compiled = policy([
  bypass({ name: 'health', paths: ['/health'] }),
  deny({ name: 'blocked', paths: ['/blocked/**'] }),
  challenge({ name: 'admin', paths: ['/admin/**'], groups: ['admins'], channels: ['console'], session_lifetime: '1h' }),
  challenge({
    name: 'vault',
    paths: ['/vault/**'],
    factors: ['password', 'otp'],
    max_session_age: '10m',
    trusted_device: '7d',
  }),
  challenge({ name: 'everyone', paths: ['/app/**'] }),
]);

function text(f: Partial<RequestFacts>, subject?: Parameters<typeof formatExplain>[2]): string {
  const all = facts(f);
  return formatExplain(explain(compiled, all), all, subject);
}

describe('formatExplain', () => {
  it('starts with the facts of the request', () => {
    expect(text({ path: '/x' }).split('\n').slice(0, 4)).toEqual([
      'host     wiki.example.com',
      'path     /x',
      'method   GET',
      'address  203.0.113.7',
    ]);
  });

  it('prints one MISS line per rule that missed, with why, and a HIT line for the deciding rule', () => {
    const lines = text({ path: '/admin/x' }).split('\n');
    expect(lines).toContain(
      'MISS  rules[0] "health" (policies/test.yaml:2:5): path "/admin/x" matches none of ["/health"]',
    );
    expect(lines).toContain(
      'MISS  rules[1] "blocked" (policies/test.yaml:5:5): path "/admin/x" matches none of ["/blocked/**"] (in any case)',
    );
    expect(lines).toContain('HIT   rules[2] "admin" (policies/test.yaml:8:5)');
    expect(lines.some((l) => l.includes('"everyone"'))).toBe(false);
  });

  it('a challenge says which factors it needs, its step-up age and browser trust', () => {
    expect(text({ path: '/vault/x' })).toContain(
      '=> challenge by "vault": factors password + otp; channels console, sms; session lifetime 12h; step-up after 10m; trusted browsers honoured for 7d; admits any known user',
    );
  });

  it('says that a code-only session falls short of a rule that needs a password', () => {
    expect(text({ path: '/vault/x' }, { user: 'alice', groups: [], sessionAgeMs: 60_000 })).toContain(
      'a session 1m old: the session lacks a factor the rule requires',
    );
    expect(
      text({ path: '/vault/x' }, { user: 'alice', groups: [], sessionAgeMs: 60_000, factors: ['password', 'otp'] }),
    ).toContain('is enough for this rule');
  });

  it('a challenge names its channels, lifetime and who it admits', () => {
    expect(text({ path: '/admin/x' })).toContain(
      '=> challenge by "admin": factors otp; channels console; session lifetime 1h; admits groups [admins]',
    );
    expect(text({ path: '/app/x' })).toContain(
      '=> challenge by "everyone": factors otp; channels console, sms; session lifetime 12h; admits any known user',
    );
  });

  it('no matching rule says default deny', () => {
    expect(text({ path: '/nowhere' }).split('\n').at(-1)).toBe('=> deny: no rule matched (default deny)');
  });

  it('a bypass and a deny name their rule', () => {
    expect(text({ path: '/health' })).toContain('=> bypass by "health"');
    expect(text({ path: '/blocked/x' })).toContain('=> deny by "blocked"');
  });

  it('says whether a given user is admitted', () => {
    expect(text({ path: '/admin/x' }, { user: 'alice', groups: ['admins'] })).toContain(
      'user "alice" (groups [admins]): admitted',
    );
    expect(text({ path: '/admin/x' }, { user: 'bob', groups: ['staff'] })).toMatch(
      /user "bob" \(groups \[staff\]\): not admitted/,
    );
  });

  it('says whether a session of the given age is still within the rule lifetime', () => {
    expect(text({ path: '/admin/x' }, { user: 'alice', groups: ['admins'], sessionAgeMs: 2 * 3_600_000 })).toContain(
      "a session 2h old: session older than the rule's session lifetime",
    );
    expect(text({ path: '/admin/x' }, { user: 'alice', groups: ['admins'], sessionAgeMs: 60_000 })).toContain(
      'a session 1m old (factors otp) is enough for this rule',
    );
  });

  it('an empty policy says so and denies', () => {
    const all = facts();
    expect(formatExplain(explain({ rules: [] }, all), all)).toContain(
      '(the policy has no rules)\n=> deny: no rule matched (default deny)',
    );
  });
});

describe('formatExplain with approval channels', () => {
  const withApprovals = { ...CTX, channels: [...CTX.channels, 'scan', 'whatsapp_reply'] };
  const explained = (channels: string[]) => {
    const rules = policy([challenge({ name: 'desk', channels })], withApprovals);
    return formatExplain(explain(rules, facts()), facts());
  };

  it('says a rule listing scan first waits for a phone before sending any code', () => {
    expect(explained(['scan', 'whatsapp_reply', 'sms'])).toContain(
      '=> challenge by "desk": factors otp; channels scan, whatsapp_reply, sms; approval from a phone first, no code sent unless asked: scan (a signed-in phone approves), whatsapp_reply (the person writes to the business number); session lifetime 12h',
    );
  });

  it('says an approval channel listed after a code channel is never offered', () => {
    expect(explained(['sms', 'scan'])).toContain(
      'approval from a phone never offered, as a code channel is listed first',
    );
  });
});
