// Behaviour of policy compilation: names, defaults, and every problem reported at its rule.
import { describe, expect, it } from 'vitest';

import { compilePolicy } from '../../src/policy/compile-policy.js';
import { decide } from '../../src/policy/decide.js';
import { bypass, challenge, CTX, deny, facts, HOUR, policy, problems, sources } from './builders.js';

function errorsOf(...args: Parameters<typeof problems>) {
  return problems(...args).filter((p) => p.severity === 'error');
}
function warningsOf(...args: Parameters<typeof problems>) {
  return problems(...args).filter((p) => p.severity === 'warning');
}

describe('compilePolicy', () => {
  it('a valid policy compiles with no problems', () => {
    expect(
      problems([bypass({ paths: ['/health'] }), challenge({ groups: ['admins'], session_lifetime: '1h' })]),
    ).toEqual([]);
  });

  it('rules keep their evaluation index and origin', () => {
    const compiled = policy([bypass({ name: 'a' }), deny({ name: 'b' })]);
    expect(compiled.rules.map((r) => [r.index, r.name, r.origin.line])).toEqual([
      [0, 'a', 2],
      [1, 'b', 5],
    ]);
  });

  it('an unnamed rule is named after its file and its position in that file', () => {
    const rules = [
      ...sources([bypass({ name: 'health' }), deny()], 'policies/00-public.yaml'),
      ...sources([challenge()], 'policies/90-default.yaml'),
    ];
    const { policy: compiled } = compilePolicy(rules, CTX);
    expect(compiled.rules.map((r) => r.name)).toEqual(['health', '00-public.yaml#2', '90-default.yaml#1']);
  });

  it('a challenge rule without channels uses every configured channel in config order', () => {
    expect(policy([challenge()]).rules[0]!.channels).toEqual(['console', 'sms']);
  });

  it('a challenge rule keeps its channels in the order written', () => {
    expect(policy([challenge({ channels: ['sms', 'console'] })]).rules[0]!.channels).toEqual(['sms', 'console']);
  });

  it('a challenge rule without session_lifetime lasts session.lifetime', () => {
    expect(policy([challenge()]).rules[0]!.sessionLifetime).toBe(12 * HOUR);
  });

  it('session_lifetime is read as a duration', () => {
    expect(policy([challenge({ session_lifetime: '1h30m' })]).rules[0]!.sessionLifetime).toBe(1.5 * HOUR);
  });

  it('a challenge rule without factors asks for a one-time code only', () => {
    expect(policy([challenge()]).rules[0]!.factors).toEqual(['otp']);
  });

  it('a password is asked before the one-time code, whatever order the rule lists them in', () => {
    expect(policy([challenge({ factors: ['otp', 'password'] })]).rules[0]!.factors).toEqual(['password', 'otp']);
  });

  it('max_session_age and trusted_device are read as durations; absent, neither applies', () => {
    const [strict, plain] = policy([
      challenge({ paths: ['/admin/**'], max_session_age: '10m', trusted_device: '30d' }),
      challenge(),
    ]).rules;
    expect([strict!.maxSessionAge, strict!.trustedDevice]).toEqual([10 * 60_000, 30 * 24 * HOUR]);
    expect([plain!.maxSessionAge, plain!.trustedDevice]).toEqual([undefined, undefined]);
  });

  it('users are compared lower-case; groups as written', () => {
    const rule = policy([challenge({ users: ['Alice'], groups: ['Admins'] })]).rules[0]!;
    expect([...rule.users!]).toEqual(['alice']);
    expect([...rule.groups!]).toEqual(['Admins']);
  });

  it('a problem names the rule, the option and the rule origin', () => {
    expect(problems([bypass({ paths: ['/a'] }), bypass({ networks: ['10.0.0.0/8', 'bogus'] })])).toEqual([
      {
        file: 'policies/test.yaml',
        line: 5,
        col: 5,
        path: 'rules[1].networks[1]',
        severity: 'error',
        message: '"bogus" is not an IP address or CIDR range',
      },
    ]);
  });

  it.each([
    ['a bad CIDR', bypass({ networks: ['10.0.0.0/40'] }), 'rules[0].networks[0]', 'prefix'],
    ['a bad host glob', bypass({ hosts: ['wiki-*.example.com'] }), 'rules[0].hosts[0]', 'whole labels'],
    ['a bad path glob', bypass({ paths: ['/x['] }), 'rules[0].paths[0]', 'not a valid glob'],
    [
      'a path glob not starting with "/"',
      bypass({ paths: ['admin/**'] }),
      'rules[0].paths[0]',
      'does not start with "/"',
    ],
    ['an unknown method', bypass({ methods: ['GET', 'FETCH'] }), 'rules[0].methods[1]', 'unknown HTTP method "FETCH"'],
    ['a bad duration', challenge({ session_lifetime: '90' }), 'rules[0].session_lifetime', 'not a duration'],
    ['a zero duration', challenge({ session_lifetime: '0s' }), 'rules[0].session_lifetime', 'longer than zero'],
    [
      'an unconfigured channel',
      challenge({ channels: ['console', 'pigeon'] }),
      'rules[0].channels[1]',
      'channel "pigeon" is not configured (configured: console, sms)',
    ],
    [
      'users on a bypass rule',
      bypass({ users: ['alice'] }),
      'rules[0].users',
      'users/groups apply only to challenge rules',
    ],
    [
      'groups on a deny rule',
      deny({ groups: ['admins'] }),
      'rules[0].groups',
      'users/groups apply only to challenge rules',
    ],
    [
      'channels on a bypass rule',
      bypass({ channels: ['console'] }),
      'rules[0].channels',
      'channels applies only to challenge rules',
    ],
    [
      'session_lifetime on a deny rule',
      deny({ session_lifetime: '1h' }),
      'rules[0].session_lifetime',
      'applies only to challenge rules',
    ],
    [
      'factors on a bypass rule',
      bypass({ factors: ['otp'] }),
      'rules[0].factors',
      'factors applies only to challenge rules',
    ],
    [
      'max_session_age on a deny rule',
      deny({ max_session_age: '10m' }),
      'rules[0].max_session_age',
      'applies only to challenge rules',
    ],
    [
      'trusted_device on a bypass rule',
      bypass({ trusted_device: '30d' }),
      'rules[0].trusted_device',
      'applies only to challenge rules',
    ],
    [
      'a password without a one-time code',
      challenge({ factors: ['password'] }),
      'rules[0].factors',
      'must include "otp"',
    ],
    ['a bad max_session_age', challenge({ max_session_age: 'soon' }), 'rules[0].max_session_age', 'not a duration'],
    ['a zero trusted_device', challenge({ trusted_device: '0d' }), 'rules[0].trusted_device', 'longer than zero'],
    ['an empty hosts list', bypass({ hosts: [] }), 'rules[0].hosts', 'matches nothing'],
    ['an empty groups list', challenge({ groups: [] }), 'rules[0].groups', 'admits nobody'],
  ])('%s is an error', (_what, rule, path, message) => {
    const errors = errorsOf([rule]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ path, severity: 'error', line: 2, col: 5 });
    expect(errors[0]!.message).toContain(message);
  });

  it('a challenge rule with no configured channel at all is an error', () => {
    expect(errorsOf([challenge()], { ...CTX, channels: [] })[0]?.message).toContain('no channel is configured');
  });

  it('every problem is reported, not just the first', () => {
    const errors = errorsOf([bypass({ hosts: ['a_b'], paths: ['x'], methods: ['NOPE'] }), deny({ users: ['bob'] })]);
    expect(errors.map((p) => p.path)).toEqual([
      'rules[0].hosts[0]',
      'rules[0].methods[0]',
      'rules[0].paths[0]',
      'rules[1].users',
    ]);
  });

  it('a policy with any error compiles to no rules, which denies everything', () => {
    const { policy: compiled } = compilePolicy(
      sources([bypass({ paths: ['/public/**'] }), deny({ paths: ['x'] })]),
      CTX,
    );
    expect(compiled.rules).toEqual([]);
    expect(decide(compiled, facts({ path: '/public/x' })).action).toBe('deny');
  });

  it('methods are compared upper-case whatever the case written', () => {
    const compiled = policy([bypass({ methods: ['get'] })]);
    expect(decide(compiled, facts({ method: 'GET' })).action).toBe('bypass');
  });

  it('a rule after one that matches every request is reported as never reached', () => {
    const warnings = warningsOf([challenge({ name: 'all' }), bypass({ name: 'late', paths: ['/health'] })]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ path: 'rules[1]', line: 5 });
    expect(warnings[0]!.message).toContain('rule "late" is never reached: rule "all" (policies/test.yaml:2:5)');
  });

  it('"*" hosts and "/**" paths count as matching every request', () => {
    expect(warningsOf([bypass({ hosts: ['*'], paths: ['/**'] }), deny()])).toHaveLength(1);
  });

  it('two rules with the same name are reported', () => {
    const warnings = warningsOf([bypass({ name: 'x', paths: ['/a'] }), deny({ name: 'x', paths: ['/b'] })]);
    expect(warnings.map((w) => w.path)).toEqual(['rules[1].name']);
  });

  it('a rule lifetime longer than session.lifetime is reported, as sessions end first', () => {
    const warnings = warningsOf([challenge({ session_lifetime: '7d' })]);
    expect(warnings[0]!.message).toContain('longer than session.lifetime (12h)');
  });

  it('a channel listed twice is reported and used once', () => {
    const { policy: compiled, problems: found } = compilePolicy(
      sources([challenge({ channels: ['sms', 'sms'] })]),
      CTX,
    );
    expect(found.map((p) => p.severity)).toEqual(['warning']);
    expect(compiled.rules[0]!.channels).toEqual(['sms']);
  });

  it('an approval channel listed after a code channel is reported, as it is never offered', () => {
    const ctx = { ...CTX, channels: [...CTX.channels, 'scan'] };
    const found = compilePolicy(sources([challenge({ channels: ['sms', 'scan'] })]), ctx).problems;
    expect(found.map((p) => [p.severity, p.path])).toEqual([['warning', 'rules[0].channels[1]']]);
    expect(compilePolicy(sources([challenge({ channels: ['scan', 'sms'] })]), ctx).problems).toEqual([]);
  });
});

describe('path case', () => {
  it('challenge and deny rules match paths in any case; bypass rules match exactly', async () => {
    const { compilePolicy } = await import('../../src/policy/compile-policy.js');
    const { decide } = await import('../../src/policy/decide.js');
    const origin = { file: 'p.yaml', line: 1, col: 1 };
    const { policy } = compilePolicy(
      [
        { raw: { name: 'open', paths: ['/public/**'], action: 'bypass' }, origin, path: 'rules[0]' },
        { raw: { name: 'admin', paths: ['/admin/**', '/login'], action: 'deny' }, origin, path: 'rules[1]' },
        { raw: { name: 'rest', action: 'challenge' }, origin, path: 'rules[2]' },
      ],
      { defaultLifetimeMs: 3_600_000, channels: ['console'] },
    );
    const ruleFor = (path: string) => decide(policy, { host: 'h', path, method: 'GET', ip: '127.0.0.1' }).rule?.name;
    expect(ruleFor('/ADMIN/x')).toBe('admin');
    expect(ruleFor('/LOGIN')).toBe('admin');
    expect(ruleFor('/PUBLIC/x')).toBe('rest');
    expect(ruleFor('/public/x')).toBe('open');
  });
});
