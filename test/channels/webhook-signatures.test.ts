// Both providers' signature checks against the worked examples in their own documentation.
import { describe, expect, it } from 'vitest';

import {
  isValidMetaSignature,
  isValidTwilioSignature,
  metaSignature,
  twilioSignature,
} from '../../src/channels/webhook-signatures.js';

describe('Meta X-Hub-Signature-256', () => {
  it("is HMAC-SHA256 of the raw body keyed with the app secret (Meta's worked example)", () => {
    expect(metaSignature('secret', 'test')).toBe(
      'sha256=0329a06b62cd16b33eb6792be8c60b158d89a2ee3a876fce9a881ebb488c0914',
    );
    expect(
      isValidMetaSignature(
        'secret',
        Buffer.from('test'),
        'sha256=0329a06b62cd16b33eb6792be8c60b158d89a2ee3a876fce9a881ebb488c0914',
      ),
    ).toBe(true);
  });

  it('accepts upper-case hex but nothing else', () => {
    expect(
      isValidMetaSignature(
        'secret',
        Buffer.from('test'),
        'sha256=0329A06B62CD16B33EB6792BE8C60B158D89A2EE3A876FCE9A881EBB488C0914',
      ),
    ).toBe(true);
    expect(
      isValidMetaSignature(
        'secret',
        Buffer.from('test '),
        'sha256=0329a06b62cd16b33eb6792be8c60b158d89a2ee3a876fce9a881ebb488c0914',
      ),
    ).toBe(false);
    expect(
      isValidMetaSignature(
        'other',
        Buffer.from('test'),
        'sha256=0329a06b62cd16b33eb6792be8c60b158d89a2ee3a876fce9a881ebb488c0914',
      ),
    ).toBe(false);
    expect(
      isValidMetaSignature(
        'secret',
        Buffer.from('test'),
        '0329a06b62cd16b33eb6792be8c60b158d89a2ee3a876fce9a881ebb488c0914',
      ),
    ).toBe(false);
    expect(isValidMetaSignature('secret', Buffer.from('test'), 'sha1=abc')).toBe(false);
    expect(isValidMetaSignature('secret', Buffer.from('test'), undefined)).toBe(false);
  });
});

describe('Twilio X-Twilio-Signature', () => {
  const url = 'https://example.com/myapp.php?foo=1&bar=2';
  const params = {
    CallSid: 'CA1234567890ABCDE',
    Caller: '+14158675310',
    Digits: '1234',
    From: '+14158675310',
    To: '+18005551212',
  };

  it("is HMAC-SHA1 of the URL and the sorted parameters, base64 (Twilio's worked example)", () => {
    expect(twilioSignature('12345', url, params)).toBe('L/OH5YylLD5NRKLltdqwSvS0BnU=');
    expect(isValidTwilioSignature('12345', url, params, 'L/OH5YylLD5NRKLltdqwSvS0BnU=')).toBe(true);
  });

  it('fails for another URL, another token, a changed parameter or no header', () => {
    expect(
      isValidTwilioSignature(
        '12345',
        'http://example.com/myapp.php?foo=1&bar=2',
        params,
        'L/OH5YylLD5NRKLltdqwSvS0BnU=',
      ),
    ).toBe(false);
    expect(isValidTwilioSignature('54321', url, params, 'L/OH5YylLD5NRKLltdqwSvS0BnU=')).toBe(false);
    expect(isValidTwilioSignature('12345', url, { ...params, Digits: '1235' }, 'L/OH5YylLD5NRKLltdqwSvS0BnU=')).toBe(
      false,
    );
    expect(isValidTwilioSignature('12345', url, params, undefined)).toBe(false);
  });
});
