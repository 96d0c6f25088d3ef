// `npm run bench`: starts an upstream, the gate and the baselines as separate processes, drives
// load from yet another (autocannon's CLI), and prints each figure as a ratio against a baseline
// measured in the same run, alternating contenders round by round (these machines are shared and
// noisy: ratios and CPU time per request mean more than absolute numbers).
// Results are also written to bench/results/latest.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { Redis } from 'ioredis';

import { REDIS_SERVER, startRedis } from '../test/helpers/redis-server.js';
import { forwardAuthRows } from './forward-auth.js';
import type { Contender } from './lib/alternate.js';
import { alternate } from './lib/alternate.js';
import { load } from './lib/load.js';
import { codeWaiter, loginCycles, loginOnce } from './lib/login-driver.js';
import { startNginx } from './lib/nginx.js';
import type { Child } from './lib/processes.js';
import { cpuSeconds, ROOT, startChild, startGateServer, startServer } from './lib/processes.js';
import type { Row } from './lib/report.js';
import { baselineRow, cpu, failures, fmt, latency, printTable, spread, verdict } from './lib/report.js';
import { personalToken } from './lib/token-driver.js';
import type { BenchStore } from './lib/workspace.js';
import { writeWorkspace } from './lib/workspace.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '2' },
    connections: { type: 'string', default: '50' },
    sessions: { type: 'string', default: '100000' },
    'upload-mb': { type: 'string', default: '1024' },
    'download-mb': { type: 'string', default: '200' },
    // "proxy": only the proxied GET and the download rows.
    only: { type: 'string' },
  },
});
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
const CONNECTIONS = Number(values.connections);
const SESSIONS = Number(values.sessions);
const UPLOAD_BYTES = Number(values['upload-mb']) * 1024 * 1024;
const DOWNLOAD_MB = Number(values['download-mb']);
const LOGIN_WORKERS = { workers: 32, usersPerWorker: 30 };

const results: Record<string, unknown> = {
  when: new Date().toISOString(),
  node: process.version,
  seconds: SECONDS,
  rounds: ROUNDS,
  connections: CONNECTIONS,
};
const rows: Row[] = [];
const row = (...cells: string[]) => rows.push(cells);
const LOAD = { connections: CONNECTIONS, seconds: SECONDS, rounds: ROUNDS };

async function upload(url: string, child: Child): Promise<{ mbPerSecond: number; rssGrowth: number }> {
  const before = child.rss();
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, child.rss())), 10);
  const chunk = Buffer.alloc(1024 * 1024, 1);
  const started = process.hrtime.bigint();
  await new Promise<void>((resolve, reject) => {
    const req = http.request(
      `${url}/public/upload`,
      { method: 'POST', headers: { 'content-length': UPLOAD_BYTES } },
      (res) => {
        res.resume();
        res.on('end', resolve);
      },
    );
    req.on('error', reject);
    let sent = 0;
    const pump = () => {
      while (sent < UPLOAD_BYTES) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
  clearInterval(sampler);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { mbPerSecond: UPLOAD_BYTES / 1024 / 1024 / seconds, rssGrowth: peak - before };
}

/**
 * The signed-in GET's CPU per request in this run: login cycles are also told in those units, a
 * figure a slower or busier machine changes less than the per-CPU-second one.
 */
let signedInGetMicros: number | undefined;

/**
 * Login cycles per second, and per CPU-second of the gate process: on a shared 2-core machine the
 * gate's own CPU time is the honest "per core" denominator.
 */
async function loginRow(storeName: string, gate: { child: Child; url: string }): Promise<void> {
  const pid = gate.child.process.pid!;
  // As long as the measured run: after 2 s the JIT and the heap were still settling (the first
  // measured round of bench/login-ab.ts came out 15-20% below the next).
  await loginCycles(gate.url, gate.child, { ...LOGIN_WORKERS, seconds: SECONDS });
  const before = cpuSeconds(pid);
  const cycles = await loginCycles(gate.url, gate.child, { ...LOGIN_WORKERS, seconds: SECONDS });
  const gateCpu = cpuSeconds(pid) - before;
  const perCpuSecond = (cycles.perSecond * SECONDS) / gateCpu;
  const cycleMicros = (gateCpu / (cycles.perSecond * SECONDS)) * 1e6;
  const inGets = signedInGetMicros ? `${fmt(cycleMicros / signedInGetMicros, 1)} signed-in GETs' CPU; ` : '';
  const target = storeName === 'memory' ? 2000 : 1000;
  results[`loginCycles_${storeName}`] = { ...cycles, gateCpuSeconds: gateCpu, perGateCpuSecond: perCpuSecond };
  row(
    `login cycles (${storeName} store)`,
    `${fmt(cycles.perSecond)} cycles/s`,
    '',
    fmt(cycleMicros),
    `${fmt(perCpuSecond)} per gate CPU-s`,
    `${cycles.failures ? `${cycles.failures} failed! ` : ''}${inGets}target ≥ ${fmt(target)}/s per core: ${verdict(perCpuSecond >= target)}`,
  );
}

async function withGate<T>(
  store: BenchStore,
  upstreamUrl: string,
  body: (gate: { child: Child; url: string }) => Promise<T>,
): Promise<T> {
  const gate = await startGateServer(writeWorkspace(upstreamUrl, store));
  try {
    return await body(gate);
  } finally {
    await gate.child.stop();
  }
}

async function proxyAndLogin(upstream: { child: Child; url: string }): Promise<void> {
  const memoryStore: BenchStore = { type: 'memory', maxEntries: Math.max(1_000_000, SESSIONS * 2) };
  const bare = await startServer('bare-proxy.ts', [upstream.url]);
  const nginx = await startNginx(upstream.url);
  try {
    await withGate(memoryStore, upstream.url, async (gate) => {
      const cookie = await loginOnce(gate.url, 'user0', codeWaiter(gate.child));
      const gateGet: Contender = {
        name: 'gate',
        url: `${gate.url}/app`,
        headers: { cookie },
        pid: gate.child.process.pid!,
      };
      // The same request to every contender: the baselines pass the cookie on, the gate takes it out.
      const bareGet: Contender = {
        name: 'bare',
        url: `${bare.url}/app`,
        headers: { cookie },
        pid: bare.child.process.pid!,
      };
      const nginxGet: Contender[] = nginx
        ? [{ name: 'nginx', url: `${nginx.url}/app`, headers: { cookie }, pid: nginx.pid }]
        : [];
      // The same GET from a script with a personal token: it must cost no more than the cookie.
      const bearerGet: Contender = {
        name: 'bearer',
        url: `${gate.url}/app`,
        headers: { authorization: `Bearer ${await personalToken(gate.url, cookie)}` },
        pid: gate.child.process.pid!,
      };
      // Someone not signed in, on the page every protected URL sends them to.
      const loginPage: Contender = {
        name: 'login page',
        url: `${gate.url}/_gate/login?rd=%2Fapp`,
        headers: { accept: 'text/html' },
        pid: gate.child.process.pid!,
      };
      const get = await alternate([bareGet, gateGet, bearerGet, loginPage, ...nginxGet], LOAD);
      const [g, b] = [get.get('gate')!, get.get('bare')!];
      results.authenticatedGet = Object.fromEntries(get);
      const ratio = g.rps / b.rps;
      const p99Gap = g.p99 - b.p99;
      signedInGetMicros = g.cpuMicrosPerRequest;
      row(
        'authenticated GET via gate',
        fmt(g.rps),
        latency(g),
        cpu(g),
        `${fmt(ratio, 2)}× http-proxy`,
        `${failures(g)}${spread(g)}p99 ${p99Gap >= 0 ? '+' : ''}${fmt(p99Gap, 1)} ms; target ≥ 1.0×, ≤ +1 ms: ${verdict(ratio >= 1 && p99Gap <= 1)}`,
      );
      rows.push(baselineRow('bare http-proxy, same agent', b));
      const t = get.get('bearer')!;
      const bearerCost = t.cpuMicrosPerRequest! / g.cpuMicrosPerRequest!;
      row(
        'Bearer-token GET via gate',
        fmt(t.rps),
        latency(t),
        cpu(t),
        `${fmt(t.rps / g.rps, 2)}× cookie GET`,
        `${failures(t)}${spread(t)}${fmt(bearerCost, 2)}× its CPU; target ≤ 1.0× (±5%): ${verdict(bearerCost <= 1.05)}`,
      );
      const page = get.get('login page')!;
      const pageCost = page.cpuMicrosPerRequest! / g.cpuMicrosPerRequest!;
      row(
        'login page (anonymous, 200)',
        fmt(page.rps),
        latency(page),
        cpu(page),
        `${fmt(pageCost, 2)}× signed-in GET's CPU`,
        `${failures(page)}${spread(page)}target ≤ 1.0×: ${verdict(pageCost <= 1)}`,
      );
      const n = get.get('nginx');
      if (n)
        row(
          'nginx proxy_pass',
          fmt(n.rps),
          latency(n),
          cpu(n),
          `gate at ${fmt(g.rps / n.rps, 2)}× nginx`,
          `${failures(n)}target ≥ 0.5×: ${verdict(g.rps / n.rps >= 0.5)}`,
        );
      else row('nginx proxy_pass', 'not installed');
      await downloadRow(gate, bare);
      if (values.only === 'proxy') return;

      await loginRow('memory', gate);
    });
    if (values.only !== 'proxy') await uploadRow(upstream.url, memoryStore, bare);
  } finally {
    await Promise.all([bare.child.stop(), nginx?.stop()]);
  }
}

type Server = { child: Child; url: string };

/** MB/s of one download, and the server's CPU seconds per 100 MB. */
async function download(server: Server): Promise<{ mbPerSecond: number; cpuPer100Mb: number }> {
  const pid = server.child.process.pid!;
  const before = cpuSeconds(pid);
  const started = process.hrtime.bigint();
  await new Promise<void>((resolve, reject) => {
    http
      .get(`${server.url}/public/download?mb=${DOWNLOAD_MB}`, (res) => {
        res.resume();
        res.on('end', resolve);
        res.on('error', reject);
      })
      .on('error', reject);
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { mbPerSecond: DOWNLOAD_MB / seconds, cpuPer100Mb: ((cpuSeconds(pid) - before) * 100) / DOWNLOAD_MB };
}

/** Downloads through the bypass rule, gate and bare http-proxy-3 in turn, every round; the spread is shown. */
async function downloadRow(gate: Server, bare: Server): Promise<void> {
  const runs = {
    gate: [] as Array<Awaited<ReturnType<typeof download>>>,
    bare: [] as Array<Awaited<ReturnType<typeof download>>>,
  };
  for (let r = 0; r < Math.max(ROUNDS, 3); r++) {
    runs.bare.push(await download(bare));
    runs.gate.push(await download(gate));
  }
  results.download = { mb: DOWNLOAD_MB, ...runs };
  const ratios = runs.gate.map((g, i) => g.mbPerSecond / runs.bare[i]!.mbPerSecond);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const cpuText = (xs: typeof runs.gate) => `${fmt(mean(xs.map((x) => x.cpuPer100Mb)), 2)} CPU-s/100 MB`;
  row(
    `download ${fmt(DOWNLOAD_MB)} MB via gate`,
    `${fmt(mean(runs.gate.map((x) => x.mbPerSecond)))} MB/s`,
    '',
    '',
    `${fmt(mean(ratios), 2)}× http-proxy`,
    `${cpuText(runs.gate)}; per round ${ratios.map((x) => `${fmt(x, 2)}×`).join(' ')}`,
  );
  row(
    'bare http-proxy download',
    `${fmt(mean(runs.bare.map((x) => x.mbPerSecond)))} MB/s`,
    '',
    '',
    '1.00×',
    cpuText(runs.bare),
  );
}

/**
 * In a gate of its own, warmed up by two seconds of small requests: the growth measured is the
 * upload's, not the garbage of other load, nor V8 first filling the young generation that
 * --min-semi-space-size keeps (up to 2 × 16 MB, once per process).
 */
async function uploadRow(upstreamUrl: string, store: BenchStore, bare: { child: Child; url: string }): Promise<void> {
  await withGate(store, upstreamUrl, async (gate) => {
    await load({ url: `${gate.url}/public/warm`, connections: 10, seconds: 2 });
    const bareUpload = await upload(bare.url, bare.child);
    const gateUpload = await upload(gate.url, gate.child);
    results.upload = { bytes: UPLOAD_BYTES, gate: gateUpload, bareHttpProxy: bareUpload };
    row(
      `upload ${fmt(UPLOAD_BYTES / 1024 / 1024)} MB via gate`,
      `${fmt(gateUpload.mbPerSecond)} MB/s`,
      '',
      '',
      `${fmt(gateUpload.mbPerSecond / bareUpload.mbPerSecond, 2)}× http-proxy`,
      `peak RSS +${fmt(gateUpload.rssGrowth / 1024 / 1024, 1)} MB; target < 50: ${verdict(gateUpload.rssGrowth < 50 * 1024 * 1024)}`,
    );
  });
}

async function redisLogin(upstreamUrl: string): Promise<void> {
  if (!REDIS_SERVER) return void row('login cycles (redis store)', 'redis-server not installed');
  const redis = await startRedis(REDIS_SERVER);
  try {
    await withGate({ type: 'redis', url: redis.url }, upstreamUrl, (gate) => loginRow('redis', gate));
    const client = new Redis(redis.url);
    const used = async () => Number(/used_memory:(\d+)/.exec(await client.info('memory'))![1]);
    try {
      const before = await used();
      await sessionMemory(upstreamUrl, { type: 'redis', url: redis.url });
      const growth = (await used()) - before;
      results.sessionMemoryRedis = { bytes: growth, count: SESSIONS };
      row(
        `${fmt(SESSIONS)} live sessions (redis store)`,
        '',
        '',
        '',
        '',
        `Redis used_memory +${fmt(growth / 1024 / 1024, 1)} MB, ${fmt(growth / SESSIONS)} B per session`,
      );
    } finally {
      client.disconnect();
    }
  } finally {
    await redis.stop();
  }
}

/**
 * SESSIONS sessions of as many people (each also indexed under its user), made through the session
 * layer of a gate of its own, so nothing else has touched its heap; its RSS before and after.
 */
async function sessionMemory(
  upstreamUrl: string,
  store: BenchStore,
): Promise<{ idle: number; withSessions: number; count: number }> {
  const configPath = writeWorkspace(upstreamUrl, store);
  const { child, match } = await startChild(
    join(ROOT, 'bench', 'servers', 'session-memory.ts'),
    [configPath, String(SESSIONS)],
    /^(\{.*\})$/,
    ['--expose-gc'],
    300_000,
  );
  await child.stop();
  return JSON.parse(match[1]!) as { idle: number; withSessions: number; count: number };
}

async function memoryStoreSessions(upstreamUrl: string): Promise<void> {
  // At the default store.max_entries when it holds them (a session and its person's index each).
  const memory = await sessionMemory(upstreamUrl, { type: 'memory', maxEntries: Math.max(250_000, SESSIONS * 2) });
  results.sessionMemory = memory;
  const growth = memory.withSessions - memory.idle;
  row(
    `${fmt(SESSIONS)} live sessions (memory store)`,
    '',
    '',
    '',
    '',
    `RSS +${fmt(growth / 1024 / 1024, 1)} MB above idle, ${fmt(growth / SESSIONS)} B per session; target ≤ 100 MB: ${verdict(growth <= 100 * 1024 * 1024)}`,
  );
}

async function main(): Promise<void> {
  const upstream = await startServer('upstream.ts');
  try {
    await proxyAndLogin(upstream);
    if (values.only === 'proxy') return;
    const forwardAuth = await forwardAuthRows(upstream.url, LOAD);
    rows.push(...forwardAuth.rows);
    results.forwardAuth = forwardAuth.results;
    await redisLogin(upstream.url);
    await memoryStoreSessions(upstream.url);
  } finally {
    await upstream.child.stop();
  }
}

main().then(
  () => {
    console.log(
      `node ${process.version}, ${CONNECTIONS} connections, ${ROUNDS} × ${SECONDS} s per contender, alternating`,
    );
    printTable(rows);
    console.log('\nCPU µs/req: CPU time (user + system) of the server process per request, or per login cycle,');
    console.log('read from /proc; "per gate CPU-s" divides cycles by the gate\'s own CPU seconds (per core).');
    mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench', 'results', 'latest.json'), JSON.stringify(results, null, 2));
    console.log('written to bench/results/latest.json');
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);
