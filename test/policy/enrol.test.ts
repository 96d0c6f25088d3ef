// Open enrolment in the policy engine (issue 21): `enrol:` compiles with errors a person can act
// on, says which numbers may enrol, and admits enrolled people only where a rule names them.
import { describe, expect, it } from 'vitest';

import { admits } from '../../src/policy/decide.js';
import { mayEnrol } from '../../src/policy/enrol.js';
import { verdict } from '../../src/policy/format-explain.js';
import { bypass, challenge, CTX, policy, problems } from './builders.js';

const errors = (...args: Parameters<typeof problems>) =>
  problems(...args)
    .filter((p) => p.severity === 'error')
    .map((p) => `${p.path}: ${p.message}`);

const GUESTS = { countries: ['IT', 'cn'], prefixes: ['+44 7700'], groups: ['guests'] };

describe('compiling enrol', () => {
  it('compiles countries (any case), prefixes (spaces dropped) and groups with no problem', () => {
    const rule = policy([challenge({ enrol: GUESTS })]).rules[0]!;
    expect([[...rule.enrol!.countries], rule.enrol!.prefixes, rule.enrol!.groups]).toEqual([
      ['IT', 'CN'],
      ['+447700'],
      ['guests'],
    ]);
  });

  it('refuses a country code that is not one, at its option path', () => {
    expect(errors([challenge({ enrol: { countries: ['Italy'], groups: ['g'] } })])).toEqual([
      'rules[0].enrol.countries[0]: "Italy" is not a country code: write ISO 3166 codes like "IT" or "CN"',
    ]);
  });

  it('refuses a prefix without "+" and digits', () => {
    expect(errors([challenge({ enrol: { prefixes: ['3933'], groups: ['g'] } })])).toEqual([
      'rules[0].enrol.prefixes[0]: "3933" is not a number prefix: write "+" and digits, like "+3933"',
    ]);
  });

  it('refuses enrolment open to every number (no countries, no prefixes)', () => {
    expect(errors([challenge({ enrol: { groups: ['g'] } })])).toEqual([
      'rules[0].enrol: enrol needs countries or prefixes (or both): which numbers may enrol',
    ]);
  });

  it('refuses enrol on a bypass rule', () => {
    expect(errors([bypass({ enrol: GUESTS })])).toEqual(['rules[0].enrol: enrol applies only to challenge rules']);
  });

  it('refuses enrol with a password factor, which enrolled people do not have', () => {
    expect(errors([challenge({ enrol: GUESTS, factors: ['password', 'otp'] })])).toEqual([
      'rules[0].enrol: enrol cannot be combined with factors ["password", "otp"]: enrolled people have no password',
    ]);
  });

  it('refuses enrol on a rule whose only channel is the authenticator app', () => {
    expect(errors([challenge({ enrol: GUESTS, channels: ['totp'] })], { ...CTX, channels: ['totp'] })).toEqual([
      'rules[0].enrol: enrol needs a channel that sends a code (WhatsApp or SMS): a new number has no authenticator app',
    ]);
  });

  it('refuses a rule that would deny everyone it enrols', () => {
    expect(errors([challenge({ enrol: GUESTS, groups: ['staff'] })])).toEqual([
      'rules[0].enrol.groups: the rule admits none of the groups it enrols into, so everyone it enrols would be denied: list one of them in groups',
    ]);
  });
});

describe('which numbers may enrol', () => {
  const enrol = policy([challenge({ enrol: GUESTS })]).rules[0]!.enrol!;

  it.each([
    ['+393331234567', true, 'a listed country'],
    ['+8613800138000', true, 'another listed country'],
    ['+447700900123', true, 'a listed prefix outside the listed countries'],
    ['+33612345678', false, 'neither'],
    ['+447911123456', false, 'the same country as a prefix, outside it'],
  ])('%s: %s (%s)', (number, expected) => {
    expect(mayEnrol(enrol, number)).toBe(expected);
  });
});

describe('admitting enrolled people', () => {
  const [open, lounge, anyone] = policy([
    challenge({ enrol: GUESTS }),
    challenge({ groups: ['guests'] }),
    challenge(),
  ]).rules;
  const guest = { user: '+393331234567', groups: ['guests'], enrolled: true };

  it('an enrolling rule admits the people in the groups it enrols into', () => {
    expect(admits(open!, guest)).toBe(true);
  });

  it('a rule naming their group admits them', () => {
    expect(admits(lounge!, guest)).toBe(true);
  });

  it('a rule for any known user does not admit them', () => {
    expect(admits(anyone!, guest)).toBe(false);
  });

  it('a rule naming their number as a user admits them', () => {
    const named = policy([challenge({ users: ['+393331234567'] })]).rules[0]!;
    expect(admits(named, { ...guest, groups: [] })).toBe(true);
  });

  it('explain says what a rule enrols', () => {
    expect(verdict({ action: 'challenge', rule: open! })).toContain(
      'admits any known user; enrols numbers from IT, CN, starting +447700 into groups [guests]',
    );
  });
});
