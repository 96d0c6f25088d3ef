// What a decision means for one person, asked in the gate's order: expiry before admission.
import { describe, expect, it } from 'vitest';

import { decide } from '../../src/policy/decide.js';
import type { Visitor } from '../../src/policy/outcome.js';
import { outcomeOf } from '../../src/policy/outcome.js';
import { bypass, challenge, deny, facts, HOUR, policy } from './builders.js';

const ADMIN = policy([challenge({ name: 'admin', groups: ['admins'], session_lifetime: '1h' })]);
const alice = (age = 0): Visitor => ({ user: 'alice', groups: ['admins'], sessionAgeMs: age });
const bob: Visitor = { user: 'bob', groups: ['staff'], sessionAgeMs: 0 };

describe('outcomeOf', () => {
  it('a bypass passes anyone', () => {
    expect(outcomeOf(decide(policy([bypass()]), facts()), undefined).outcome).toBe('pass');
  });

  it('a deny rule denies even an admitted user', () => {
    expect(outcomeOf(decide(policy([deny()]), facts()), alice()).outcome).toBe('deny');
  });

  it('no matching rule denies', () => {
    expect(outcomeOf(decide(policy([deny({ paths: ['/x'] })]), facts()), undefined)).toEqual({
      outcome: 'deny',
      reason: 'no rule matched (default deny)',
    });
  });

  it('someone without a session is challenged', () => {
    expect(outcomeOf(decide(ADMIN, facts()), undefined).outcome).toBe('challenge');
  });

  it('an admitted user within the session lifetime passes', () => {
    expect(outcomeOf(decide(ADMIN, facts()), alice(HOUR - 1)).outcome).toBe('pass');
  });

  it('a session as old as the rule allows is challenged again', () => {
    expect(outcomeOf(decide(ADMIN, facts()), alice(HOUR)).outcome).toBe('challenge');
  });

  it('a signed-in user the rule does not admit is denied', () => {
    expect(outcomeOf(decide(ADMIN, facts()), bob).outcome).toBe('deny');
  });

  it('an expired session is challenged before admission is asked', () => {
    expect(outcomeOf(decide(ADMIN, facts()), { ...bob, sessionAgeMs: 2 * HOUR }).outcome).toBe('challenge');
  });
});
