// Errors reduced to safe fields, and log lines scrubbed of configured secrets wherever they sit.
import { generateKeyPairSync } from 'node:crypto';
import { PassThrough } from 'node:stream';

import { describe, expect, it } from 'vitest';

import { configSecrets } from '../../src/config/config-secrets.js';
import { createLogger } from '../../src/shared/log.js';
import { describeError, safeError } from '../../src/shared/safe-error.js';
import { assertionsSection, testKey } from '../helpers/assertion-keys.js';
import { compileConfigText, MINIMAL_CONFIG } from '../helpers/config-text.js';

/** What ioredis throws for a refused AUTH: the command, password included, hangs on the error. */
function replyError(password: string): Error {
  return Object.assign(new Error('WRONGPASS invalid username-password pair or user is disabled.'), {
    name: 'ReplyError',
    command: { name: 'hello', args: ['3', 'AUTH', 'default', password] },
  });
}

function capture(secrets: string[] = []) {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString()));
  return { log: createLogger({ level: 'info' }, { destination: out, secrets }), text: () => text };
}

describe('safeError', () => {
  it('keeps the message and code and drops the command a client hung on its error', () => {
    const safe = safeError(replyError('hunter2-password'));
    expect(safe).toEqual({
      type: 'ReplyError',
      message: 'WRONGPASS invalid username-password pair or user is disabled.',
    });
  });

  it('follows the cause chain, reducing each link', () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), {
      code: 'ECONNREFUSED',
      syscall: 'connect',
      port: 6379,
      options: { password: 'p' },
    });
    const safe = safeError(new Error('store: redis: not connected', { cause }));
    expect(safe.cause).toEqual({
      type: 'Error',
      message: 'connect ECONNREFUSED 127.0.0.1:6379',
      errorCode: 'ECONNREFUSED',
      syscall: 'connect',
      port: 6379,
    });
  });

  it('describes a chain in one line, each message once', () => {
    const inner = Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    expect(
      describeError(
        new Error('channel sms: sending a code: could not connect', {
          cause: new TypeError('fetch failed', { cause: inner }),
        }),
      ),
    ).toBe(
      'channel sms: sending a code: could not connect: fetch failed: self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)',
    );
  });
});

describe('the logger', () => {
  it('writes an error object as its safe fields only', () => {
    const { log, text } = capture();
    log.error({ err: new Error('store failed', { cause: replyError('hunter2-password') }) }, 'failed');
    expect(text()).toContain('WRONGPASS');
    expect(text()).not.toContain('hunter2-password');
  });

  it('scrubs a configured secret from any field at any depth, JSON-escaped too', () => {
    const secret = 'tok"en\\with-quotes-1234';
    const { log, text } = capture([secret]);
    log.info({ detail: { deeper: [`Bearer ${secret}`] } }, `message with ${secret}`);
    expect(text()).toContain('[redacted]');
    expect(text()).not.toContain(JSON.stringify(secret).slice(1, -1));
    expect(text()).not.toContain('with-quotes-1234');
  });
});

describe('configSecrets', () => {
  it('lists the session secrets, the Redis password in the URL and an HTTP SMS key in a header or the query', () => {
    const text = `${MINIMAL_CONFIG}store:
  type: redis
  url: "redis://:url-password-123@127.0.0.1:6379/0"
channels:
  sms:
    provider: http
    url: "https://rest.example.com/sms/json?api_key=key-in-query-99&to={{to}}"
    headers: { authorization: "Bearer header-key-42", content-type: application/json }
    body: { from: "Gate", text: "{{text}}" }
`;
    const secrets = configSecrets(compileConfigText(text));
    expect(secrets).toEqual(
      expect.arrayContaining([
        'a-very-long-session-secret-for-tests-only-0123456789',
        'url-password-123',
        'key-in-query-99',
        'Bearer header-key-42',
      ]),
    );
    expect(secrets).not.toContain('application/json');
    expect(secrets).not.toContain('{{text}}');
  });

  it('lists the SMTP password and the DKIM private key of the email channel', () => {
    const key = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const text = `${MINIMAL_CONFIG}channels:
  email:
    host: smtp.example.com
    auth: { user: gate, password: smtp-password-31 }
    from: sign-in@example.com
    dkim:
      domain: example.com
      selector: otp
      private_key: ${JSON.stringify(key)}
`;
    expect(configSecrets(compileConfigText(text))).toEqual(expect.arrayContaining(['smtp-password-31', key]));
  });

  it('lists the private keys of assertions', () => {
    const key = testKey('k');
    expect(
      configSecrets(
        compileConfigText(MINIMAL_CONFIG + assertionsSection([key], '  issuer: "https://gate.example.com"')),
      ),
    ).toContain(key.pem);
  });
});
