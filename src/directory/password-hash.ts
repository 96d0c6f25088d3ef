// Password hashes for the password first factor: scrypt from node:crypto in PHC string form,
// `$scrypt$ln=17,r=8,p=1$<salt>$<key>`. The cost is read from each hash, so operators can raise it
// later without breaking older hashes; weak or absurd costs are refused when the users file loads.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

export interface ScryptParams {
  /** log2 of scrypt's CPU/memory cost N. */
  ln: number;
  /** Block size. */
  r: number;
  /** Parallelism. */
  p: number;
}

export interface PasswordHash {
  params: ScryptParams;
  salt: Buffer;
  key: Buffer;
}

export type ParsedPasswordHash = { ok: true; hash: PasswordHash } | { ok: false; problem: string };

/**
 * OWASP Password Storage Cheat Sheet's minimum for scrypt (N=2^17, r=8, p=1). Lower costs are an
 * error, not a warning: only `otp-gate hash-password` makes these hashes, and it never makes a weaker one.
 */
export const DEFAULT_SCRYPT_PARAMS: Readonly<ScryptParams> = Object.freeze({ ln: 17, r: 8, p: 1 });

/** N·r·p may be at most this many times the default's: ln=20 with r=8, p=1, about a second and 1 GiB per login. */
const MAX_COST_FACTOR = 8;
export const SALT_BYTES = 16;
const MAX_SALT_BYTES = 64;
export const KEY_BYTES = 32;
/** OpenSSL needs 128·N·r bytes for V plus 128·r·p for B and a little more; this covers the rest. */
const MAXMEM_MARGIN = 16 * 1024 * 1024;
const MAKE_ONE = 'make one with "otp-gate hash-password"';

/** A new hash of `password` with a random salt. */
export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT_PARAMS): Promise<string> {
  const problem = paramsProblem(params);
  if (problem) throw new Error(`password ${problem}`);
  const salt = randomBytes(SALT_BYTES);
  return formatPasswordHash({ params, salt, key: await derive(password, salt, KEY_BYTES, params) });
}

/**
 * Whether `password` matches `hash`, compared in constant time. Throws on a hash that does not
 * parse: the users file refuses those at load, so one reaching a login is a bug, not a wrong password.
 */
export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  const parsed = parsePasswordHash(hash);
  if (!parsed.ok) throw new Error(`password ${parsed.problem}`);
  const { params, salt, key } = parsed.hash;
  return timingSafeEqual(await derive(password, salt, key.length, params), key);
}

/** `$scrypt$ln=…,r=…,p=…$<salt>$<key>`, base64 without padding as PHC asks. */
export function formatPasswordHash({ params, salt, key }: PasswordHash): string {
  return `$scrypt$ln=${params.ln},r=${params.r},p=${params.p}$${unpadded(salt)}$${unpadded(key)}`;
}

/**
 * Reads a PHC scrypt hash, or says what is wrong with it without repeating any part of it (a
 * users file may hold a password pasted by mistake). Strict: every other spelling of the same
 * bytes is refused, so no edited character can leave a hash that still verifies.
 */
export function parsePasswordHash(text: string): ParsedPasswordHash {
  const parts = text.split('$');
  if (parts.length !== 5 || parts[0] !== '') {
    return fail(`is not a scrypt hash in PHC form: expected "$scrypt$ln=…,r=…,p=…$<salt>$<hash>"; ${MAKE_ONE}`);
  }
  const [, algorithm, paramText = '', saltText = '', keyText = ''] = parts;
  if (algorithm !== 'scrypt') return fail(`hash uses an algorithm other than scrypt; ${MAKE_ONE}`);
  const numbers = /^ln=(0|[1-9]\d{0,2}),r=(0|[1-9]\d{0,2}),p=(0|[1-9]\d{0,2})$/.exec(paramText);
  if (!numbers) return fail('hash parameters are malformed: expected "ln=<n>,r=<n>,p=<n>" in that order');
  const params = { ln: Number(numbers[1]), r: Number(numbers[2]), p: Number(numbers[3]) };
  const problem = paramsProblem(params);
  if (problem) return fail(problem);
  const salt = base64(saltText);
  if (!salt) return fail('hash salt is not base64 without padding');
  if (salt.length < SALT_BYTES || salt.length > MAX_SALT_BYTES) {
    return fail(`hash salt must be ${SALT_BYTES} to ${MAX_SALT_BYTES} bytes`);
  }
  const key = base64(keyText);
  if (!key) return fail('hash value is not base64 without padding');
  if (key.length !== KEY_BYTES) return fail(`hash value must be ${KEY_BYTES} bytes`);
  return { ok: true, hash: { params, salt, key } };
}

/** Says which limit the cost breaks, naming the limit and never the value. */
function paramsProblem({ ln, r, p }: ScryptParams): string | undefined {
  const min = DEFAULT_SCRYPT_PARAMS;
  if (![ln, r, p].every(Number.isSafeInteger)) return 'hash parameters must be whole numbers';
  if (ln < min.ln) return `hash cost ln must be at least ${min.ln} (N=2^${min.ln}, the OWASP minimum); ${MAKE_ONE}`;
  if (r < min.r) return `hash block size r must be at least ${min.r} (the OWASP minimum); ${MAKE_ONE}`;
  if (p < min.p) return `hash parallelism p must be at least ${min.p}; ${MAKE_ONE}`;
  // In exponent form so an absurd ln cannot overflow: N·r·p ≤ factor · N₀·r₀·p₀.
  if (ln - min.ln + Math.log2((r * p) / (min.r * min.p)) > Math.log2(MAX_COST_FACTOR)) {
    return `hash cost is more than ${MAX_COST_FACTOR} times the default (ln=${min.ln},r=${min.r},p=${min.p}): every login would take seconds of CPU and up to gigabytes of memory`;
  }
  return undefined;
}

function derive(password: string, salt: Buffer, length: number, { ln, r, p }: ScryptParams): Promise<Buffer> {
  const N = 2 ** ln;
  // NIST SP 800-63B: normalise Unicode, so the same password typed on another keyboard matches.
  const text = password.normalize('NFKC');
  return new Promise((resolve, reject) => {
    scrypt(text, salt, length, { N, r, p, maxmem: 128 * N * r * p + MAXMEM_MARGIN }, (err, key) => {
      if (err) reject(new Error('password hash: scrypt failed', { cause: err }));
      else resolve(key);
    });
  });
}

/** The bytes of canonical unpadded standard base64, else undefined (Buffer.from alone accepts anything). */
function base64(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/]+$/.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return unpadded(bytes) === text ? bytes : undefined;
}

const unpadded = (bytes: Buffer) => bytes.toString('base64').replace(/=+$/, '');

const fail = (problem: string): ParsedPasswordHash => ({ ok: false, problem });
