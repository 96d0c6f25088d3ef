// Ids and nonces from the CSPRNG, drawn from a pool filled 4 KB at a time (as Node's own
// randomUUID does): one randomFillSync per ~200 ids instead of one each, a couple of µs less on
// every page. Each byte is handed out once.
import { randomFillSync } from 'node:crypto';

const pool = Buffer.alloc(4096);
let used = pool.length;

/** `bytes` fresh random bytes as text. */
export function randomText(bytes: number, encoding: 'base64' | 'base64url'): string {
  if (used + bytes > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const text = pool.toString(encoding, used, used + bytes);
  used += bytes;
  return text;
}
