// Throughput of one vs two gate processes on one Redis, and how long the gates take to serve
// again after Redis restarts. Not part of `npm test`:
//   node --import tsx bench/redis-instances.ts [--seconds 10] [--connections 32]
// Load comes from Debian's `wrk` when installed, else a keep-alive Node loop. Every request carries
// a valid session cookie, so each one costs the gate a Redis round trip (the hot path).
import type { ChildProcess } from 'node:child_process';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';

import type { TestRedis } from '../test/helpers/redis-server.js';
import { freePort, startRedis } from '../test/helpers/redis-server.js';

const ROOT = join(import.meta.dirname, '..');
const SECRET = 'bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '10' }, connections: { type: 'string', default: '32' } },
});
const SECONDS = Number(values.seconds);
const CONNECTIONS = Number(values.connections);

interface Gate {
  url: string;
  child: ChildProcess;
  output: () => string;
}

async function startGate(
  dir: string,
  name: string,
  port: number,
  workers: number,
  redisUrl: string,
  upstream: string,
): Promise<Gate> {
  const config = join(dir, `${name}.yaml`);
  writeFileSync(
    config,
    [
      'server:',
      `  listen: "127.0.0.1:${port}"`,
      '  insecure_http: true',
      `  workers: ${workers}`,
      'apps:',
      '  - host: 127.0.0.1',
      `    upstream: "${upstream}"`,
      'session:',
      `  secrets: ["${SECRET}"]`,
      'store:',
      '  type: redis',
      `  url: "${redisUrl}"`,
      'directory:',
      '  file: users.yaml',
      'policies: [policies/]',
      'otp:',
      '  max_sends_per_hour: 1000',
      '  max_sends_per_address_per_hour: 1000',
      'channels:',
      '  console: {}',
      'audit:',
      '  file: "off"',
      'log:',
      '  level: warn',
      'metrics:',
      '  listen: "off"',
      '',
    ].join('\n'),
  );
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli.ts'), 'serve', '--config', config], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 30_000;
  while ((out.match(/otp-gate serving /g) ?? []).length < workers) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`gate ${name} did not start:\n${out}`);
    await sleep(50);
  }
  return { url: `http://127.0.0.1:${port}`, child, output: () => out };
}

async function stopGate(gate: Gate): Promise<void> {
  if (gate.child.exitCode !== null) return;
  const exited = new Promise((r) => gate.child.once('exit', r));
  gate.child.kill('SIGTERM');
  await exited;
}

/** Minimal HTTP client keeping cookies, for the one sign-in the benchmark needs. */
async function call(
  url: string,
  method: string,
  cookies: Map<string, string>,
  form?: Record<string, string>,
): Promise<{ status: number; text: string }> {
  const res = await fetch(url, {
    method,
    redirect: 'manual',
    headers: {
      accept: 'text/html',
      cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; '),
      ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
    },
    ...(form ? { body: new URLSearchParams(form).toString() } : {}),
  });
  for (const line of res.headers.getSetCookie()) {
    const [pair = ''] = line.split(';');
    const eq = pair.indexOf('=');
    cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return { status: res.status, text: await res.text() };
}

const field = (html: string, name: string) =>
  new RegExp(`name="${name}" value="([^"]*)"`).exec(html)![1]!.replace(/&#61;/g, '=');

async function signIn(gate: Gate): Promise<string> {
  const cookies = new Map<string, string>();
  const codes = () => [...gate.output().matchAll(/code for alice \(.*\) on .*: (\d+)/g)].map((m) => m[1]!);
  const before = codes().length;
  const login = await call(`${gate.url}/_gate/login?rd=%2F`, 'GET', cookies);
  await call(`${gate.url}/_gate/login`, 'POST', cookies, {
    identifier: 'alice',
    rd: '/',
    csrf: field(login.text, 'csrf'),
  });
  const page = await call(`${gate.url}/_gate/code`, 'GET', cookies);
  let code: string | undefined;
  for (let i = 0; i < 100 && !code; i++) {
    code = codes()[before];
    if (!code) await sleep(50);
  }
  const verified = await call(`${gate.url}/_gate/verify`, 'POST', cookies, {
    csrf: field(page.text, 'csrf'),
    code: code!,
  });
  if (verified.status !== 303) throw new Error(`sign-in failed: ${verified.status}`);
  return `otp_gate=${cookies.get('otp_gate')!}`;
}

interface Load {
  requestsPerSecond: number;
  non2xx: number;
}

async function load(urls: string[], cookie: string): Promise<Load> {
  if (existsSync('/usr/bin/wrk')) {
    // One wrk per gate, connections split between them (a load balancer's even spread).
    const results = await Promise.all(
      urls.map((url) =>
        run('/usr/bin/wrk', [
          '-t1',
          `-c${Math.ceil(CONNECTIONS / urls.length)}`,
          `-d${SECONDS}s`,
          '-H',
          `Cookie: ${cookie}`,
          '-H',
          'Accept: application/json',
          `${url}/bench`,
        ]),
      ),
    );
    let rps = 0;
    let non2xx = 0;
    for (const { stdout } of results) {
      rps += Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)![1]);
      non2xx += Number(/Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? 0);
    }
    return { requestsPerSecond: rps, non2xx };
  }
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  let done = 0;
  let non2xx = 0;
  const until = Date.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async (_, i) => {
      const url = new URL('/bench', urls[i % urls.length]);
      while (Date.now() < until) {
        const status = await new Promise<number>((resolve, reject) => {
          http
            .get(url, { agent, headers: { cookie, accept: 'application/json' } }, (res) => {
              res.resume();
              res.on('end', () => resolve(res.statusCode ?? 0));
            })
            .on('error', reject);
        });
        done++;
        if (status >= 300) non2xx++;
      }
    }),
  );
  agent.destroy();
  return { requestsPerSecond: done / SECONDS, non2xx };
}

/** ms from Redis answering again until every gate answers a signed-in request with something other than 503. */
async function recovery(redis: TestRedis, gates: Gate[], cookie: string): Promise<number> {
  await redis.kill();
  await sleep(1_000);
  const statuses = await Promise.all(
    gates.map((g) =>
      fetch(`${g.url}/probe`, { headers: { cookie, accept: 'application/json' } }).then((r) => r.status),
    ),
  );
  if (statuses.some((s) => s !== 503)) throw new Error(`gates answered ${statuses.join(', ')} while Redis was down`);
  await redis.start();
  const restarted = performance.now();
  for (;;) {
    const now = await Promise.all(
      gates.map((g) =>
        fetch(`${g.url}/probe`, { headers: { cookie, accept: 'application/json' } }).then((r) => r.status),
      ),
    );
    if (now.every((s) => s !== 503)) return performance.now() - restarted;
    if (performance.now() - restarted > 30_000) throw new Error('gates did not recover within 30 s');
    await sleep(10);
  }
}

async function main(): Promise<void> {
  const redis = await startRedis('/usr/bin/redis-server');
  const upstream = http.createServer((_req, res) => res.end('ok'));
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  const dir = mkdtempSync(join(tmpdir(), 'otp-gate-bench-'));
  mkdirSync(join(dir, 'policies'));
  writeFileSync(join(dir, 'users.yaml'), 'users:\n  alice:\n    name: Alice\n    phone: "+39 333 000 0001"\n');
  writeFileSync(join(dir, 'policies', 'main.yaml'), 'rules:\n  - name: everyone\n    action: challenge\n');
  const { stdout: version } = await run('/usr/bin/redis-server', ['--version']);
  console.log(
    `node ${process.version}, ${version.trim().split(' ').slice(0, 3).join(' ')}, ${SECONDS}s per run, ${CONNECTIONS} connections, load: ${existsSync('/usr/bin/wrk') ? 'wrk' : 'node loop'}`,
  );

  const gates: Gate[] = [];
  const started = async (...args: Parameters<typeof startGate>) => {
    const gate = await startGate(...args);
    gates.push(gate);
    return gate;
  };
  try {
    const one = await started(dir, 'one', await freePort(), 1, redis.url, upstreamUrl);
    const cookie = await signIn(one);
    const single = await load([one.url], cookie);
    console.log(`1 gate process:             ${single.requestsPerSecond.toFixed(0)} req/s (non-2xx: ${single.non2xx})`);
    const two = await started(dir, 'two', await freePort(), 1, redis.url, upstreamUrl);
    const pair = await load([one.url, two.url], cookie);
    console.log(`2 gate processes:           ${pair.requestsPerSecond.toFixed(0)} req/s (non-2xx: ${pair.non2xx})`);
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      // A restarted test Redis is empty: sign in again after each round.
      const fresh = i === 0 ? cookie : await signIn(one);
      times.push(await recovery(redis, [one, two], fresh));
    }
    await stopGate(two);
    await stopGate(one);
    times.sort((a, b) => a - b);
    console.log(
      `recovery after Redis restart (2 gates, 5 runs): min ${times[0]!.toFixed(0)} ms, median ${times[2]!.toFixed(0)} ms, max ${times[4]!.toFixed(0)} ms`,
    );

    const clustered = await started(dir, 'workers', await freePort(), 2, redis.url, upstreamUrl);
    const workersLoad = await load([clustered.url], await signIn(clustered));
    console.log(
      `1 process, workers: 2:      ${workersLoad.requestsPerSecond.toFixed(0)} req/s (non-2xx: ${workersLoad.non2xx})`,
    );
    await stopGate(clustered);
  } finally {
    await Promise.all(gates.map(stopGate));
    upstream.close();
    await redis.stop();
  }
}

await main();
