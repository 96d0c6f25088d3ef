// Behaviour of password hashes: round trip, strict parsing, costs read from the hash, and
// messages that say what is wrong without repeating any part of the hash.
import { beforeAll, describe, expect, it } from 'vitest';

import type { PasswordHash } from '../../src/directory/password-hash.js';
import {
  formatPasswordHash,
  hashPassword,
  parsePasswordHash,
  verifyPassword,
} from '../../src/directory/password-hash.js';

const PASSWORD = 'correct horse battery staple';
/** A well-formed hash with fixed bytes, for parsing tests that need no scrypt. */
const FIXED: PasswordHash = {
  params: { ln: 17, r: 8, p: 1 },
  salt: Buffer.alloc(16, 0xa5),
  key: Buffer.alloc(32, 0x3c),
};
const fixed = (params: Partial<PasswordHash['params']> = {}, bytes: Partial<Omit<PasswordHash, 'params'>> = {}) =>
  formatPasswordHash({ ...FIXED, ...bytes, params: { ...FIXED.params, ...params } });
const edit = (text: string, at: number, ch: string) => text.slice(0, at) + ch + text.slice(at + 1);
const problemOf = (text: string) => {
  const parsed = parsePasswordHash(text);
  return parsed.ok ? undefined : parsed.problem;
};

describe('hashPassword and verifyPassword', () => {
  let hash: string;
  beforeAll(async () => {
    hash = await hashPassword(PASSWORD);
  });

  it('a new hash is PHC scrypt at the OWASP minimum with a 16-byte salt and a 32-byte key', () => {
    expect(hash).toMatch(/^\$scrypt\$ln=17,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
  });

  it('the right password verifies', async () => {
    expect(await verifyPassword(hash, PASSWORD)).toBe(true);
  });

  it('a wrong password does not verify', async () => {
    expect(await verifyPassword(hash, 'correct horse battery stapler')).toBe(false);
  });

  it('the same password hashed twice gives different hashes (random salt)', async () => {
    expect(await hashPassword(PASSWORD)).not.toBe(hash);
  });

  it('a password verifies however its accents were typed (Unicode NFKC)', async () => {
    const composed = await hashPassword('caf\u00e9-cr\u00e8me');
    expect(await verifyPassword(composed, 'cafe\u0301-cre\u0300me')).toBe(true);
  });

  it('the cost is read from the hash, so a hash made at a higher cost verifies', async () => {
    const stronger = await hashPassword(PASSWORD, { ln: 18, r: 8, p: 1 });
    expect(stronger.startsWith('$scrypt$ln=18,r=8,p=1$')).toBe(true);
    expect(await verifyPassword(stronger, PASSWORD)).toBe(true);
  });

  it('refuses to make a hash below the minimum cost', async () => {
    await expect(hashPassword(PASSWORD, { ln: 15, r: 8, p: 1 })).rejects.toThrow('ln must be at least 17');
  });

  it('a hash with one character of its salt or key changed does not verify', async () => {
    const [, , , salt = '', key = ''] = hash.split('$');
    const saltAt = hash.indexOf(salt) + 3;
    const keyAt = hash.indexOf(key) + 7;
    const other = (ch: string) => (ch === 'A' ? 'B' : 'A');
    expect(await verifyPassword(edit(hash, saltAt, other(hash[saltAt]!)), PASSWORD)).toBe(false);
    expect(await verifyPassword(edit(hash, keyAt, other(hash[keyAt]!)), PASSWORD)).toBe(false);
  });

  it('a malformed hash throws an error that does not repeat it', async () => {
    const broken = fixed().replace('$scrypt$', '$argon2id$');
    const err = await verifyPassword(broken, PASSWORD).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain('algorithm other than scrypt');
    expect((err as Error).message).not.toContain(broken.split('$')[3]!);
  });
});

describe('parsePasswordHash', () => {
  it('reads the cost, salt and key back', () => {
    expect(parsePasswordHash(fixed({ ln: 18, r: 9, p: 1 }))).toEqual({
      ok: true,
      hash: { ...FIXED, params: { ln: 18, r: 9, p: 1 } },
    });
  });

  it('any single changed character is refused or yields a different cost, salt or key', () => {
    // Whatever parses must differ from the original: then scrypt gives another key and the hash
    // no longer verifies. Non-canonical base64 (same bytes, other text) must not parse at all.
    const text = fixed();
    const original = parsePasswordHash(text);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_$,.';
    for (let at = 0; at < text.length; at++) {
      for (const ch of alphabet) {
        if (ch === text[at]) continue;
        const parsed = parsePasswordHash(edit(text, at, ch));
        if (parsed.ok) expect(parsed, `${at}:${ch}`).not.toEqual(original);
      }
    }
  });

  it.each([
    ['not a PHC string', 'hunter22', 'is not a scrypt hash in PHC form'],
    ['another algorithm', fixed().replace('$scrypt$', '$argon2id$'), 'algorithm other than scrypt'],
    [
      'parameters out of order',
      fixed().replace('ln=17,r=8,p=1', 'r=8,ln=17,p=1'),
      'expected "ln=<n>,r=<n>,p=<n>" in that order',
    ],
    ['a leading zero', fixed().replace('ln=17', 'ln=017'), 'parameters are malformed'],
    ['ln below OWASP minimum', fixed({ ln: 16 }), 'ln must be at least 17'],
    ['r below OWASP minimum', fixed({ r: 4 }), 'r must be at least 8'],
    ['p of zero', fixed({ p: 0 }), 'p must be at least 1'],
    ['an absurd ln', fixed({ ln: 21 }), 'more than 8 times the default'],
    ['an absurd p', fixed({ p: 9 }), 'more than 8 times the default'],
    ['a padded salt', fixed().replace(/\$([^$]+)\$([^$]+)$/, '$$$1==$$$2'), 'salt is not base64 without padding'],
    [
      'a URL-safe salt',
      fixed({}, { salt: Buffer.alloc(16, 0xff) }).replace(/\//g, '_'),
      'salt is not base64 without padding',
    ],
    ['a short salt', fixed({}, { salt: Buffer.alloc(8, 1) }), 'salt must be 16 to 64 bytes'],
    ['a short key', fixed({}, { key: Buffer.alloc(16, 1) }), 'value must be 32 bytes'],
  ])('refuses %s and says so', (_name, text, expected) => {
    expect(problemOf(text)).toContain(expected);
  });

  it('the highest allowed cost, 8 times the default, is accepted', () => {
    expect(problemOf(fixed({ ln: 20 }))).toBeUndefined();
    expect(problemOf(fixed({ p: 8 }))).toBeUndefined();
  });

  it('no message repeats any part of the hash after its algorithm', () => {
    const salt = Buffer.from('0123456789abcdef');
    for (const text of [
      fixed({ ln: 16 }, { salt }),
      fixed({ ln: 21 }, { salt }),
      fixed({}, { salt, key: Buffer.alloc(8, 7) }),
    ]) {
      const problem = problemOf(text)!;
      expect(problem).toBeDefined();
      for (const part of text.split('$').slice(2)) expect(problem).not.toContain(part);
    }
  });
});
