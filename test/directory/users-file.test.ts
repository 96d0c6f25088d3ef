// Behaviour of the users file: phone normalisation and masking, duplicates, lookups.
import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { formatPasswordHash } from '../../src/directory/password-hash.js';
import { loadUsersFile, maskPhone, normalisePhone } from '../../src/directory/users-file.js';
import { formatProblem } from '../../src/shared/problem.js';

const load = (text: string, defaultCountry?: string, channels?: string[]) =>
  loadUsersFile('users.yaml', text, { defaultCountry, env: {}, ...(channels ? { channels } : {}) });
const lines = (text: string, defaultCountry?: string) => load(text, defaultCountry).problems.map(formatProblem);

const ALICE = 'users:\n  alice:\n    name: Alice Rossi\n    phone: "+39 333 000 0001"\n    groups: [admins]\n';

describe('users file', () => {
  it('a valid file builds a directory with E.164 phones and lower-case usernames', () => {
    const out = load('users:\n  Alice:\n    phone: +393330000001\n    groups: [admins, eng]\n  bob: { name: Bob }\n');
    expect(out.problems).toEqual([]);
    expect(out.directory?.all()).toEqual([
      { username: 'alice', name: 'Alice', phone: '+393330000001', groups: ['admins', 'eng'], channels: [] },
      { username: 'bob', name: 'Bob', phone: undefined, groups: [], channels: [] },
    ]);
  });

  it('an unquoted international number keeps its plus sign', () => {
    expect(load('users:\n  alice:\n    phone: +12025550143\n').directory?.find('alice')?.phone).toBe('+12025550143');
  });

  it('every spelling of a phone number finds the same user', () => {
    const dir = load(ALICE, 'IT').directory;
    for (const spelling of [
      '+393330000001',
      '+39 333 000 0001',
      '+39 (333) 000-0001',
      '333 000 0001',
      '0039 333 000 0001',
      ' 3330000001 ',
    ]) {
      expect(dir?.find(spelling)?.username, spelling).toBe('alice');
    }
  });

  it('a username is found in any case', () => {
    const dir = load(ALICE).directory;
    expect(dir?.find('ALICE')?.name).toBe('Alice Rossi');
    expect(dir?.find('Alice ')?.name).toBe('Alice Rossi');
  });

  it('an unknown identifier finds nobody', () => {
    const dir = load(ALICE).directory;
    expect(dir?.find('mallory')).toBeUndefined();
    expect(dir?.find('+39 333 000 0099')).toBeUndefined();
  });

  it('a lookup gives what was typed as a number, whoever it names', () => {
    const dir = load(ALICE, 'IT').directory!;
    expect(dir.lookup('333 000 0001')).toEqual({ user: dir.find('alice'), phone: '+393330000001' });
    expect(dir.lookup('+39 333 000 0099')).toEqual({ user: undefined, phone: '+393330000099' });
    expect(dir.lookup(' Alice ')).toEqual({ user: dir.find('alice'), phone: undefined });
    expect(dir.lookup('mallory7')).toEqual({ user: undefined, phone: undefined });
  });

  it('a national number needs directory.default_country', () => {
    expect(lines('users:\n  alice:\n    phone: "333 000 0001"\n')).toEqual([
      'users.yaml:3:12: phone number ending in 01 has no country code: write it as "+<country code> …" or set directory.default_country (users.alice.phone)',
    ]);
    expect(load('users:\n  alice:\n    phone: "333 000 0001"\n', 'IT').directory?.find('alice')?.phone).toBe(
      '+393330000001',
    );
  });

  it('an invalid phone number is reported masked', () => {
    const out = lines('users:\n  alice:\n    phone: "+39 123 456 7891"\n');
    expect(out).toEqual(['users.yaml:3:12: phone number ending in 91 is not a valid number (users.alice.phone)']);
    expect(out.join('')).not.toMatch(/456|7891/);
  });

  it('a duplicate phone is reported', () => {
    const out = lines(`${ALICE}  bob:\n    phone: "+39 333 0000001"\n`);
    expect(out).toEqual([
      'users.yaml:7:12: phone number +39 ••• ••• 0001 is already the phone of "alice" (users.bob.phone)',
    ]);
  });

  it('the same username in a different case is reported at the second key', () => {
    expect(lines(`${ALICE}  ALICE:\n    name: Other\n`)).toEqual([
      'users.yaml:6:3: username "ALICE" is the same as "alice": usernames ignore case (users.ALICE)',
    ]);
  });

  it('a bad username is reported at the key', () => {
    expect(lines('users:\n  "al ice":\n    name: A\n')).toEqual([
      'users.yaml:2:3: "al ice": is not a valid username: use letters, digits, ".", "_", "@" and "-" (users["al ice"])',
    ]);
  });

  it('an unknown user option is reported with a suggestion', () => {
    expect(lines('users:\n  alice:\n    phnoe: "+39 333 000 0001"\n')).toEqual([
      'users.yaml:3:5: unknown option "phnoe" (did you mean "phone"?) (users.alice.phnoe)',
    ]);
  });

  it('a channel that is not configured is reported', () => {
    const out = load('users:\n  alice:\n    channels: [console, sms]\n', undefined, ['console']);
    expect(out.problems.map(formatProblem)).toEqual([
      'users.yaml:3:25: unknown channel "sms" (configured: "console") (users.alice.channels[1])',
    ]);
    expect(out.directory).toBeUndefined();
  });

  it('a file with errors gives no directory', () => {
    expect(load('users:\n  alice:\n    phone: "+39 1"\n').directory).toBeUndefined();
  });

  it('the example users file loads without problems', () => {
    const text = readFileSync(new URL('../../users.example.yaml', import.meta.url), 'utf8');
    const out = load(text, undefined, ['console']);
    expect(out.problems).toEqual([]);
    expect(out.directory?.all().length).toBeGreaterThan(2);
  });
});

describe('users file passwords', () => {
  const HASH = formatPasswordHash({
    params: { ln: 17, r: 8, p: 1 },
    salt: Buffer.alloc(16, 1),
    key: Buffer.alloc(32, 2),
  });

  it('a user with a valid password hash carries it in the directory', () => {
    const out = load(`users:\n  alice:\n    password: "${HASH}"\n`);
    expect(out.problems).toEqual([]);
    expect(out.directory?.find('alice')?.passwordHash).toBe(HASH);
  });

  it('a user without a password has no hash', () => {
    expect(load(ALICE).directory?.find('alice')).not.toHaveProperty('passwordHash');
  });

  it('a hash below the minimum cost is reported at its line without repeating it', () => {
    const weak = HASH.replace('ln=17', 'ln=14');
    const out = lines(`users:\n  alice:\n    name: Alice\n    password: "${weak}"\n`);
    expect(out).toEqual([
      'users.yaml:4:15: password hash cost ln must be at least 17 (N=2^17, the OWASP minimum); make one with "otp-gate hash-password" (users.alice.password)',
    ]);
    for (const part of weak.split('$').slice(2)) expect(out.join('')).not.toContain(part);
  });

  it('a password written in clear is reported without repeating it', () => {
    const out = load('users:\n  alice:\n    password: Sw0rdf1sh!\n');
    expect(out.problems.map(formatProblem)).toEqual([
      'users.yaml:3:15: password is not a scrypt hash in PHC form: expected "$scrypt$ln=…,r=…,p=…$<salt>$<hash>"; make one with "otp-gate hash-password" (users.alice.password)',
    ]);
    expect(out.directory).toBeUndefined();
  });
});

describe('phone helpers', () => {
  it('normalisePhone gives E.164 or undefined', () => {
    expect(normalisePhone('+1 (202) 555-0143', undefined)).toBe('+12025550143');
    expect(normalisePhone('202 555 0143', 'US')).toBe('+12025550143');
    expect(normalisePhone('202 555 0143', undefined)).toBeUndefined();
    expect(normalisePhone('not a number', 'IT')).toBeUndefined();
    expect(normalisePhone('call +39 333 000 0001 now', 'IT')).toBeUndefined();
  });

  it('maskPhone keeps the country code and last four digits in national grouping', () => {
    expect(maskPhone('+393331234567')).toBe('+39 ••• ••• 4567');
    expect(maskPhone('+12025550143')).toBe('+1 ••• ••• 0143');
    expect(maskPhone('+442079460958')).toBe('+44 •• •••• 0958');
  });
});
