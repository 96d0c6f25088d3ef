// Throughput of one vs two gate processes on one Redis, and how long the gates take to serve
// again after Redis restarts. Not part of `npm test`:
//   node --import tsx bench/redis-instances.ts [--seconds 10] [--connections 32]
// Load comes from Debian's `wrk` when installed, else a keep-alive Node loop. Every request carries
// a valid session cookie, so each one costs the gate a Redis round trip (the hot path).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs, promisify } from 'node:util';

import { gateFolder } from '../test/helpers/gate.js';
import type { RedisGateProcess } from '../test/helpers/redis-gate-process.js';
import { startRedisGateProcess, writeRedisGateConfig } from '../test/helpers/redis-gate-process.js';
import type { TestRedis } from '../test/helpers/redis-server.js';
import { freePort, startRedis } from '../test/helpers/redis-server.js';

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
  gate: RedisGateProcess;
}

async function startGate(dir: string, name: string, port: number, workers: number, redisUrl: string, upstream: string) {
  const config = writeRedisGateConfig(dir, `${name}.yaml`, { port, workers, redisUrl, upstream });
  const gate = await startRedisGateProcess(config, { serving: workers, env: { SESSION_SECRET: SECRET } });
  return { url: `http://127.0.0.1:${port}`, gate };
}

const stopGate = (g: Gate) => g.gate.stop();

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
  const before = [...gate.gate.output().matchAll(/code for alice /g)].length;
  const login = await call(`${gate.url}/_gate/login?rd=%2F`, 'GET', cookies);
  await call(`${gate.url}/_gate/login`, 'POST', cookies, {
    identifier: 'alice',
    rd: '/',
    csrf: field(login.text, 'csrf'),
  });
  const page = await call(`${gate.url}/_gate/code`, 'GET', cookies);
  const code = await gate.gate.code('alice', before + 1);
  const verified = await call(`${gate.url}/_gate/verify`, 'POST', cookies, {
    csrf: field(page.text, 'csrf'),
    code,
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
  const dir = gateFolder({ 'policies/main.yaml': 'rules:\n  - name: everyone\n    action: challenge\n' });
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
