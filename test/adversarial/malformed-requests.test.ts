// Requests a parser could disagree about: malformed request lines and headers, and the classic
// smuggling shapes. Each must be refused (or closed) without reaching an app and without
// hurting the gate.
import request from 'supertest';
import { describe, expect, it } from 'vitest';

import { useGate } from '../helpers/gate.js';
import { rawRequest } from '../helpers/raw-http.js';

const env = useGate();

const CASES: Array<[string, string]> = [
  ['a request line with no version', 'GET /admin\r\nHost: 127.0.0.1\r\n\r\n'],
  ['a request line with two spaces', 'GET  /admin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'],
  ['a bare LF line ending', 'GET /admin HTTP/1.1\nHost: 127.0.0.1\n\n'],
  ['a header without a colon', 'GET /admin HTTP/1.1\r\nHost: 127.0.0.1\r\nRemote-User alice\r\n\r\n'],
  ['a space before the colon', 'GET /admin HTTP/1.1\r\nHost: 127.0.0.1\r\nRemote-User : alice\r\n\r\n'],
  ['an obsolete folded header', 'GET /admin HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: a\r\n Remote-User: alice\r\n\r\n'],
  ['a NUL in a header value', 'GET /admin HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: a\0b\r\n\r\n'],
  [
    'Content-Length with Transfer-Encoding',
    'POST /public/x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /admin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
  ],
  [
    'two different Content-Lengths',
    'POST /public/x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 4\r\nContent-Length: 40\r\n\r\nabcd',
  ],
  [
    'an obfuscated Transfer-Encoding',
    'POST /public/x HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n',
  ],
  ['a non-numeric Content-Length', 'POST /public/x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 4x\r\n\r\nabcd'],
  ['HTTP/0.9', 'GET /admin\r\n\r\n'],
  ['an unknown HTTP version', 'GET /admin HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n'],
  ['an oversized header block', `GET /admin HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`],
];

describe('malformed requests', () => {
  it.each(CASES)('%s is refused without reaching an app', async (_name, text) => {
    const before = env.upstream.seen.length;
    const res = await rawRequest(env.gate.url, text);
    expect(res.status === 0 || (res.status >= 400 && res.status < 500), `answered ${res.status}`).toBe(true);
    expect(env.upstream.seen.slice(before).filter((r) => r.url.includes('admin'))).toEqual([]);
  });

  it('leave the gate serving', async () => {
    for (const [, text] of CASES) await rawRequest(env.gate.url, text);
    await request(env.gate.url).get('/public/still-here').expect(200);
  });
});
