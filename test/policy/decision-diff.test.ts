// compareDecisions: whether a policy change opens a request, closes it, or changes only details.
import { describe, expect, it } from 'vitest';

import { compareDecisions, evaluate } from '../../src/policy/decision-diff.js';
import type { Visitor } from '../../src/policy/outcome.js';
import type { RawRule } from '../../src/policy/types.js';
import { bypass, challenge, deny, facts, policy } from './builders.js';

const bob: Visitor = { user: 'bob', groups: ['contractors'], sessionAgeMs: 0 };

function change(before: RawRule[], after: RawRule[], visitor?: Visitor) {
  const request = facts({ path: '/admin/users' });
  return compareDecisions(evaluate(policy(before), request, visitor), evaluate(policy(after), request, visitor));
}

const admin = (fields: Partial<RawRule> = {}) =>
  challenge({ name: 'admin', paths: ['/admin/**'], groups: ['admins'], session_lifetime: '1h', ...fields });

describe('compareDecisions', () => {
  it('the same rule deciding the same way is no change', () => {
    expect(change([admin()], [admin()])).toBeUndefined();
  });

  it('opening /admin/** to a new group opens', () => {
    expect(change([admin()], [admin({ groups: ['admins', 'contractors'] })])).toEqual({
      direction: 'opens',
      opens: ['now admits groups [contractors]'],
      closes: [],
      other: [],
    });
  });

  it('a signed-in user the change admits opens for that user too', () => {
    expect(change([admin()], [admin({ groups: ['admins', 'contractors'] })], bob)?.opens).toEqual([
      'now admits groups [contractors]',
      'for this user: deny → pass',
    ]);
  });

  it('removing a group closes', () => {
    expect(change([admin({ groups: ['admins', 'ops'] })], [admin()])).toMatchObject({
      direction: 'closes',
      closes: ['no longer admits groups [ops]'],
    });
  });

  it('dropping users and groups so any known user passes opens', () => {
    expect(change([admin()], [admin({ groups: undefined })])?.opens).toEqual([
      'now admits any known user (was groups [admins])',
    ]);
  });

  it('deny → challenge opens and bypass → deny closes', () => {
    expect(change([deny({ name: 'admin' })], [admin()])?.direction).toBe('opens');
    expect(change([bypass({ name: 'admin' })], [deny({ name: 'admin' })])).toMatchObject({
      direction: 'closes',
      closes: ['bypass → deny: refused'],
    });
  });

  it('a challenge that becomes a bypass opens', () => {
    expect(change([admin()], [bypass({ name: 'admin' })])?.opens).toEqual([
      'challenge → bypass: forwarded without signing in',
    ]);
  });

  it('a longer session lifetime opens, a shorter one closes', () => {
    expect(change([admin()], [admin({ session_lifetime: '2h' })])?.opens).toEqual(['session lifetime 2h (was 1h)']);
    expect(change([admin()], [admin({ session_lifetime: '30m' })])?.closes).toEqual(['session lifetime 30m (was 1h)']);
  });

  it('opening to a group while shortening the lifetime is mixed', () => {
    expect(change([admin()], [admin({ groups: ['admins', 'ops'], session_lifetime: '30m' })])?.direction).toBe('mixed');
  });

  it('other channels are a change that neither opens nor closes', () => {
    expect(change([admin({ channels: ['console'] })], [admin({ channels: ['sms', 'console'] })])).toEqual({
      direction: 'changes',
      opens: [],
      closes: [],
      other: ['channels sms, console (was console)'],
    });
  });

  it('another rule deciding the same way is reported as the same effect', () => {
    expect(change([admin()], [admin({ name: 'admin-pages' })])?.direction).toBe('same-effect');
  });
});
