// Full login cycles against a gate on the console channel: login page, identify, verify with the
// code the gate printed. Each worker uses its own users so cooldowns never get in the way.
import http from 'node:http';

import type { Child } from './processes.js';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

function send(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: init.method ?? 'GET', headers: init.headers, agent }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

const cookieOf = (r: Reply, name: string) =>
  (r.headers['set-cookie'] ?? []).map((c) => c.slice(0, c.indexOf(';'))).find((c) => c.startsWith(`${name}=`));
const csrfOf = (html: string) => /name="csrf" value="([^"]*)"/.exec(html)![1]!.replace(/&#61;/g, '=');

/** Watches the gate's console channel output and hands out codes per user. */
export function codeWaiter(gate: Child): (user: string) => Promise<string> {
  const waiting = new Map<string, (code: string) => void>();
  const early = new Map<string, string>();
  gate.onLine((line) => {
    const m = /code for (\S+) \(.*: (\d+)$/.exec(line);
    if (!m) return;
    const resolve = waiting.get(m[1]!);
    if (resolve) {
      waiting.delete(m[1]!);
      resolve(m[2]!);
    } else early.set(m[1]!, m[2]!);
  });
  return (user) => {
    const code = early.get(user);
    if (code) {
      early.delete(user);
      return Promise.resolve(code);
    }
    return new Promise((resolve) => waiting.set(user, resolve));
  };
}

/** One whole login; resolves with the session cookie ("otp_gate=..."). */
export async function loginOnce(
  base: string,
  user: string,
  nextCode: (user: string) => Promise<string>,
): Promise<string> {
  const page = await send(`${base}/_gate/login?rd=%2F`, { headers: { accept: 'text/html' } });
  const flow = cookieOf(page, 'otp_gate_flow')!;
  const form = { 'content-type': 'application/x-www-form-urlencoded', cookie: flow };
  const codePromise = nextCode(user);
  const posted = await send(`${base}/_gate/login`, {
    method: 'POST',
    headers: form,
    body: `identifier=${user}&rd=%2F&csrf=${encodeURIComponent(csrfOf(page.body))}`,
  });
  if (posted.status !== 303) throw new Error(`identify answered ${posted.status}`);
  const code = await codePromise;
  const verified = await send(`${base}/_gate/verify`, {
    method: 'POST',
    headers: form,
    body: `code=${code}&csrf=${encodeURIComponent(csrfOf(page.body))}`,
  });
  const session = cookieOf(verified, 'otp_gate');
  if (verified.status !== 303 || !session) throw new Error(`verify answered ${verified.status}`);
  return session;
}

/** Runs `workers` login loops for `seconds`; returns completed cycles per second. */
export async function loginCycles(
  base: string,
  gate: Child,
  options: { workers: number; usersPerWorker: number; seconds: number },
): Promise<{ perSecond: number; failures: number }> {
  const nextCode = codeWaiter(gate);
  const deadline = Date.now() + options.seconds * 1000;
  let done = 0;
  let failures = 0;
  await Promise.all(
    Array.from({ length: options.workers }, async (_, w) => {
      for (let i = 0; Date.now() < deadline; i++) {
        try {
          await loginOnce(base, `user${w * options.usersPerWorker + (i % options.usersPerWorker)}`, nextCode);
          done++;
        } catch {
          failures++;
        }
      }
    }),
  );
  return { perSecond: done / options.seconds, failures };
}
