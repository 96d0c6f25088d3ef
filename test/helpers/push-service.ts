// A local Web Push service (RFC 8030) and the browser side of its subscriptions, for tests.
// The service takes POSTs to each subscription's endpoint, answers 201 Created with a Location
// (or 410 Gone once told the subscription is gone), and keeps what arrived. A subscription holds
// what a browser holds: a P-256 ECDH key pair and a 16-byte auth secret from node:crypto, so a test
// can decrypt a message (RFC 8291 aes128gcm, written here from the RFC rather than with the
// library the gate encrypts with) and check its VAPID signature (RFC 8292) with jose.
import { createDecipheriv, createECDH, hkdfSync, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { importJWK, jwtVerify } from 'jose';

export interface PushedMessage {
  /** The endpoint's token (the last path segment). */
  token: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface TestSubscription {
  /** PushSubscription.toJSON() as a browser posts it. */
  json: { endpoint: string; keys: { p256dh: string; auth: string } };
  token: string;
  /** Decrypts a message sent to this subscription (RFC 8291), as the browser would. */
  decrypt(body: Buffer): string;
}

export interface TestPushService {
  url: string;
  received: PushedMessage[];
  /** A new subscription on this service, as a browser would get from PushManager.subscribe. */
  subscribe(): TestSubscription;
  /** From now on the service answers 410 Gone for this subscription (the browser unsubscribed). */
  forget(token: string): void;
  close(): Promise<void>;
}

export async function startPushService(): Promise<TestPushService> {
  const received: PushedMessage[] = [];
  const gone = new Set<string>();
  let next = 0;
  const server = http.createServer((req, res) => {
    const token = (req.url ?? '').split('/').pop() ?? '';
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || !req.url?.startsWith('/push/')) {
        res.writeHead(404).end();
        return;
      }
      if (gone.has(token)) {
        res.writeHead(410).end();
        return;
      }
      received.push({ token, headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(201, { location: `/message/${received.length}` }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    received,
    subscribe() {
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const auth = randomBytes(16);
      const token = `sub${++next}-${randomBytes(8).toString('hex')}`;
      return {
        token,
        json: {
          endpoint: `${url}/push/${token}`,
          keys: { p256dh: ecdh.getPublicKey('base64url', 'uncompressed'), auth: auth.toString('base64url') },
        },
        decrypt: (body) => decryptAes128gcm(body, ecdh, auth),
      };
    },
    forget: (token) => gone.add(token),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** RFC 8291 §3.4 and RFC 8188 §2: one record, its padding delimiter 0x02 then zeros. */
function decryptAes128gcm(body: Buffer, ecdh: ReturnType<typeof createECDH>, authSecret: Buffer): string {
  const salt = body.subarray(0, 16);
  const recordSize = body.readUInt32BE(16);
  const idLength = body[20]!;
  const serverKey = body.subarray(21, 21 + idLength);
  const record = body.subarray(21 + idLength);
  if (record.length > recordSize) throw new Error('more than one record');
  const uaPublic = ecdh.getPublicKey();
  const ecdhSecret = ecdh.computeSecret(serverKey);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), uaPublic, serverKey]);
  const ikm = Buffer.from(hkdfSync('sha256', ecdhSecret, authSecret, keyInfo, 32));
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(record.subarray(record.length - 16));
  const padded = Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()]);
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 2) throw new Error('no last-record padding delimiter');
  return padded.subarray(0, end).toString('utf8');
}

/**
 * Checks an `Authorization: vapid t=<JWT>, k=<key>` header (RFC 8292 §3): k is the expected key and
 * the ES256 JWT verifies against it, for this push service's origin. The JWT's claims.
 */
export async function verifyVapid(
  authorization: string | undefined,
  publicKey: string,
  audience: string,
): Promise<Record<string, unknown>> {
  const m = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(authorization ?? '');
  if (!m) throw new Error(`not a vapid Authorization header: ${authorization ?? '(none)'}`);
  if (m[2] !== publicKey) throw new Error('k is not the configured public key');
  const point = Buffer.from(publicKey, 'base64url');
  const key = await importJWK(
    {
      kty: 'EC',
      crv: 'P-256',
      x: point.subarray(1, 33).toString('base64url'),
      y: point.subarray(33, 65).toString('base64url'),
    },
    'ES256',
  );
  const { payload } = await jwtVerify(m[1]!, key, { audience, algorithms: ['ES256'] });
  return payload;
}
