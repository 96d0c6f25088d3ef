// Authenticator secrets at rest: only the user they were sealed for, under a configured key, opens them.
import { describe, expect, it } from 'vitest';

import { createSecretBox } from '../../src/totp/secret-box.js';

const KEY_A = 'key-a-0123456789-0123456789-0123456789';
const KEY_B = 'key-b-0123456789-0123456789-0123456789';
const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

/** Flips one character of the ciphertext's n-th dot-separated part. */
function tamper(sealed: string, part: number): string {
  const parts = sealed.split('.');
  const p = parts[part]!;
  parts[part] = (p[0] === 'A' ? 'B' : 'A') + p.slice(1);
  return parts.join('.');
}

describe('secret box', () => {
  it('opens what it sealed for the same user', () => {
    const box = createSecretBox([KEY_A]);
    expect(box.open(box.seal(SECRET, 'alice'), 'alice')).toBe(SECRET);
  });

  it('does not show the secret in what it stores', () => {
    const sealed = createSecretBox([KEY_A]).seal(SECRET, 'alice');
    expect(sealed).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sealed).not.toContain(SECRET);
  });

  it('seals the same secret differently each time (random IV)', () => {
    const box = createSecretBox([KEY_A]);
    expect(box.seal(SECRET, 'alice')).not.toBe(box.seal(SECRET, 'alice'));
  });

  it("does not open another user's record", () => {
    const box = createSecretBox([KEY_A]);
    expect(box.open(box.seal(SECRET, 'alice'), 'bob')).toBeUndefined();
  });

  it('opens records of an older key after rotation, and seals with the new one', () => {
    const old = createSecretBox([KEY_A]).seal(SECRET, 'alice');
    const rotated = createSecretBox([KEY_B, KEY_A]);
    expect(rotated.open(old, 'alice')).toBe(SECRET);
    expect(createSecretBox([KEY_B]).open(rotated.seal(SECRET, 'alice'), 'alice')).toBe(SECRET);
  });

  it('does not open a record under a key no longer configured', () => {
    const sealed = createSecretBox([KEY_A]).seal(SECRET, 'alice');
    expect(createSecretBox([KEY_B]).open(sealed, 'alice')).toBeUndefined();
  });

  it.each([
    { part: 2, name: 'IV' },
    { part: 3, name: 'ciphertext' },
    { part: 4, name: 'tag' },
  ])('refuses a record whose $name was changed', ({ part }) => {
    const box = createSecretBox([KEY_A]);
    expect(box.open(tamper(box.seal(SECRET, 'alice'), part), 'alice')).toBeUndefined();
  });

  it.each(['', 'v1', 'v2.x.y.z.w', 'not a record', 'v1.a.b.c.d.e'])(
    'answers undefined, never throws, for %j',
    (text) => {
      expect(createSecretBox([KEY_A]).open(text, 'alice')).toBeUndefined();
    },
  );

  it('refuses to start without a key', () => {
    expect(() => createSecretBox([])).toThrow(/at least one key/);
  });
});
