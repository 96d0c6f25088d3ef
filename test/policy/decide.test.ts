// Behaviour of decisions: first match wins, no match denies, explain walks the same way.
import { describe, expect, it } from 'vitest';

import { admits, decide, explain } from '../../src/policy/decide.js';
import { normalisePath } from '../../src/policy/normalise-path.js';
import type { RawRule, RequestFacts } from '../../src/policy/types.js';
import { bypass, challenge, deny, facts, policy } from './builders.js';

const BASE: RawRule[] = [
  bypass({ name: 'health', paths: ['/health', '/ready'], methods: ['GET', 'HEAD'] }),
  deny({ name: 'blocked', paths: ['/blocked/**'] }),
  bypass({ name: 'office', hosts: ['intranet.example.com'], networks: ['10.0.0.0/8'] }),
  challenge({
    name: 'admin',
    hosts: ['*.example.com'],
    paths: ['/admin/**'],
    groups: ['admins'],
    session_lifetime: '1h',
  }),
  challenge({ name: 'everyone' }),
];

describe('decide', () => {
  const compiled = policy(BASE);
  const ruleFor = (f: Partial<RequestFacts>) => decide(compiled, facts(f)).rule?.name;

  it('no matching rule denies', () => {
    const decision = decide(policy([bypass({ paths: ['/a'] })]), facts({ path: '/b' }));
    expect(decision).toEqual({ action: 'deny', rule: undefined });
  });

  it('an empty policy denies everything', () => {
    expect(decide({ rules: [] }, facts())).toEqual({ action: 'deny', rule: undefined });
  });

  it('first matching rule wins', () => {
    const p = policy([deny({ name: 'first', paths: ['/x/**'] }), bypass({ name: 'second', paths: ['/x/y'] })]);
    expect(decide(p, facts({ path: '/x/y' }))).toMatchObject({ action: 'deny', rule: { name: 'first' } });
  });

  it.each([
    [{ path: '/health' }, 'health'],
    [{ path: '/health', method: 'POST' }, 'everyone'],
    [{ path: '/blocked/x' }, 'blocked'],
    [{ host: 'intranet.example.com', ip: '10.2.3.4' }, 'office'],
    [{ host: 'intranet.example.com', ip: '192.0.2.1' }, 'everyone'],
    [{ host: 'wiki.example.com', path: '/admin' }, 'admin'],
    [{ host: 'a.b.example.com', path: '/admin' }, 'everyone'],
    [{ path: '/anything' }, 'everyone'],
  ])('every condition of a rule must hold: %j goes to %s', (f, name) => {
    expect(ruleFor(f)).toBe(name);
  });

  it('an IPv4-mapped client address matches an IPv4 network', () => {
    expect(ruleFor({ host: 'intranet.example.com', ip: '::ffff:10.0.0.7' })).toBe('office');
  });

  it('the decision carries the rule, with its channels and lifetime', () => {
    const decision = decide(compiled, facts({ path: '/admin/x' }));
    expect(decision.action).toBe('challenge');
    expect(decision.rule).toMatchObject({ name: 'admin', channels: ['console', 'sms'], sessionLifetime: 3_600_000 });
  });

  it.each([
    ['/blocked/../health', 'health'],
    ['/blocked/%2e%2e/admin/x', 'admin'],
    ['/x/..%2Fblocked/y', 'blocked'],
    ['//blocked//y', 'blocked'],
    ['/blocked/./y', 'blocked'],
  ])('dot segments are resolved before matching: %j goes to %s', (target, name) => {
    const n = normalisePath(target);
    if (!n.ok) throw new Error(n.reason);
    expect(ruleFor({ path: n.path })).toBe(name);
  });

  it('a query never takes part in matching', () => {
    const n = normalisePath('/health?/blocked/x');
    if (!n.ok) throw new Error(n.reason);
    expect(ruleFor({ path: n.path })).toBe('health');
  });
});

describe('explain', () => {
  const compiled = policy(BASE);

  it('explain decides exactly as decide does', () => {
    for (const f of [
      { path: '/health' },
      { path: '/admin/x' },
      { path: '/blocked/' },
      { host: 'intranet.example.com', ip: '10.0.0.1' },
    ]) {
      expect(explain(compiled, facts(f)).decision).toEqual(decide(compiled, facts(f)));
    }
  });

  it('explain reports why earlier rules missed', () => {
    const { trace } = explain(compiled, facts({ path: '/admin/users', method: 'POST' }));
    expect(trace.map((s) => [s.rule.name, s.hit, s.miss?.field])).toEqual([
      ['health', false, 'methods'],
      ['blocked', false, 'paths'],
      ['office', false, 'hosts'],
      ['admin', true, undefined],
    ]);
    expect(trace[1]!.miss!.detail).toBe('path "/admin/users" matches none of ["/blocked/**"] (in any case)');
  });

  it('explain stops at the deciding rule', () => {
    expect(explain(compiled, facts({ path: '/health' })).trace).toHaveLength(1);
  });

  it('explain lists every rule when none matches', () => {
    const p = policy([bypass({ paths: ['/a'] }), deny({ paths: ['/b'] })]);
    const { decision, trace } = explain(p, facts({ path: '/c' }));
    expect(decision).toEqual({ action: 'deny', rule: undefined });
    expect(trace.every((s) => !s.hit)).toBe(true);
    expect(trace).toHaveLength(2);
  });

  it.each([
    [
      bypass({ hosts: ['*.example.com'] }),
      { host: 'example.com' },
      'host "example.com" matches none of ["*.example.com"]',
    ],
    [bypass({ methods: ['GET', 'HEAD'] }), { method: 'DELETE' }, 'method "DELETE" is none of ["GET", "HEAD"]'],
    [bypass({ networks: ['10.0.0.0/8'] }), { ip: '192.0.2.1' }, 'address "192.0.2.1" is in none of ["10.0.0.0/8"]'],
    [bypass({ paths: ['/health'] }), { path: '/x' }, 'path "/x" matches none of ["/health"]'],
  ])('a miss names the condition and the value: %#', (rule, f, detail) => {
    expect(explain(policy([rule]), facts(f)).trace[0]!.miss!.detail).toBe(detail);
  });
});

describe('admits', () => {
  const [anyone, admins, named] = policy([
    challenge({ name: 'anyone', paths: ['/a'] }),
    challenge({ name: 'admins', paths: ['/b'], groups: ['admins'] }),
    challenge({ name: 'named', paths: ['/c'], users: ['Alice'], groups: ['ops'] }),
  ]).rules;

  it.each([
    ['a rule without users or groups admits any known user', anyone!, { user: 'bob', groups: [] }, true],
    ['a member of a listed group is admitted', admins!, { user: 'bob', groups: ['staff', 'admins'] }, true],
    ['someone in no listed group is not admitted', admins!, { user: 'bob', groups: ['staff'] }, false],
    ['a listed user is admitted whatever the case', named!, { user: 'ALICE', groups: [] }, true],
    ['a listed user is admitted lower-case', named!, { user: 'alice', groups: [] }, true],
    ['users or groups: a group member is admitted too', named!, { user: 'carol', groups: ['ops'] }, true],
    ['users or groups: neither is not admitted', named!, { user: 'carol', groups: ['admins'] }, false],
    ['group names are case-sensitive', admins!, { user: 'bob', groups: ['Admins'] }, false],
  ])('%s', (_name, rule, subject, expected) => {
    expect(admits(rule, subject)).toBe(expected);
  });
});
