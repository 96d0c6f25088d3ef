import { describe, expect, it } from 'vitest';

import { createSigner, randomId } from '../../src/session/signer.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

describe('the signer', () => {
  it('verifies what it signed', () => {
    const s = createSigner([A]);
    expect(s.unsign('session', s.sign('session', 'abc'))).toBe('abc');
  });

  it('refuses a value signed for another purpose', () => {
    const s = createSigner([A]);
    expect(s.unsign('session', s.sign('csrf', 'abc'))).toBeUndefined();
  });

  it('refuses a changed value or signature', () => {
    const s = createSigner([A]);
    const signed = s.sign('session', 'abc');
    expect(s.unsign('session', signed.replace('abc', 'abd'))).toBeUndefined();
    expect(s.unsign('session', signed.slice(0, -2))).toBeUndefined();
    expect(s.unsign('session', 'abc')).toBeUndefined();
  });

  it('signs with the first key and verifies with every key', () => {
    const old = createSigner([B]);
    const rotated = createSigner([A, B]);
    expect(rotated.unsign('session', old.sign('session', 'x'))).toBe('x');
    expect(old.unsign('session', rotated.sign('session', 'x'))).toBeUndefined();
  });

  it('refuses a value once its key is removed from the list', () => {
    const old = createSigner([B]);
    expect(createSigner([A]).unsign('session', old.sign('session', 'x'))).toBeUndefined();
  });

  it('makes ids with at least 128 bits that do not repeat', () => {
    const ids = new Set(Array.from({ length: 1000 }, randomId));
    expect(ids.size).toBe(1000);
    expect(Buffer.from(randomId(), 'base64url').length * 8).toBeGreaterThanOrEqual(128);
  });
});

describe('signature spelling', () => {
  it('refuses another spelling of the same signature bytes', () => {
    const s = createSigner([A]);
    const signed = s.sign('session', 'abc');
    const last = signed.at(-1)!;
    // The last base64url character carries 2 spare bits: its neighbours in the alphabet can decode alike.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    for (const other of alphabet) {
      if (other === last) continue;
      expect(s.unsign('session', signed.slice(0, -1) + other)).toBeUndefined();
    }
  });
});
