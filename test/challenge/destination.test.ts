// The number an unknown name "sends to" looks like the directory's own numbers: its country
// codes and lengths come from the real users' mix, so the masked number on the code page does
// not tell an unknown name from a known one (issue 25).
import { createHash } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { decoyNumber, describeDestination } from '../../src/challenge/destination.js';
import type { User } from '../../src/directory/types.js';
import { createDirectory } from '../../src/directory/users-file.js';

const digest = (s: string) => createHash('sha256').update(`key:${s}`).digest();
const user = (username: string, phone?: string): User =>
  ({ username, name: username, groups: [], channels: [], ...(phone ? { phone } : {}) }) as User;
/** What the code page shows once the last four digits are masked too. */
const shape = (e164: string) => describeDestination(e164).replace(/\d{1,4}$/, (d) => '#'.repeat(d.length));
const names = Array.from({ length: 400 }, (_, i) => `nobody-${i}`);

describe('a decoy number', () => {
  // One Italian user listed first, three Americans after: a decoy from the first user would always be Italian.
  const directory = createDirectory(
    [
      user('it1', '+393330000001'),
      user('us1', '+12025550101'),
      user('us2', '+12025550102'),
      user('us3', '+12025550103'),
    ],
    undefined,
  );

  it("takes its country code and length from the directory's users, in their proportions", () => {
    const shapes = names.map((n) => shape(decoyNumber(n, undefined, directory, digest)));
    const american = shapes.filter((s) => s === shape('+12025550101')).length;
    const italian = shapes.filter((s) => s === shape('+393330000001')).length;
    expect(american + italian).toBe(names.length);
    // Three users in four are American: about 300 of 400, and never a one-country decoy.
    expect(american).toBeGreaterThan(240);
    expect(italian).toBeGreaterThan(60);
  });

  it('is the same every time for one name, whatever its case or spaces', () => {
    expect(decoyNumber(' Nobody ', undefined, directory, digest)).toBe(
      decoyNumber('nobody', undefined, directory, digest),
    );
  });

  it('is the typed number itself when the name is a number', () => {
    expect(decoyNumber('+44 7400 123456', '+447400123456', directory, digest)).toBe('+447400123456');
  });

  it("takes the default country's shape when the directory has no numbers", () => {
    const empty = createDirectory([user('app-only')], undefined);
    expect(shape(decoyNumber('nobody', undefined, empty, digest, 'CN'))).toBe(shape('+8613123456789'));
  });
});
