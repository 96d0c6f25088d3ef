// `npm run bench`: starts an upstream, the gate and the baselines as separate processes, drives
// load from this one, and prints each figure as a ratio against a baseline measured in the same
// run (these machines are shared and noisy: ratios mean more than absolute numbers).
// Results are also written to bench/results/latest.json.
import http from 'node:http';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { LoadResult } from './lib/load.js';
import { load } from './lib/load.js';
import { codeWaiter, loginCycles, loginOnce } from './lib/login-driver.js';
import { startNginx } from './lib/nginx.js';
import type { Child } from './lib/processes.js';
import { ROOT, startChild, startGateServer, startServer } from './lib/processes.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    sessions: { type: 'string', default: '100000' },
    'upload-mb': { type: 'string', default: '1024' },
  },
});
const SECONDS = Number(values.seconds);
const CONNECTIONS = Number(values.connections);
const SESSIONS = Number(values.sessions);
const UPLOAD_BYTES = Number(values['upload-mb']) * 1024 * 1024;

const results: Record<string, unknown> = { when: new Date().toISOString(), node: process.version, seconds: SECONDS, connections: CONNECTIONS };
const rows: string[][] = [];
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const row = (...cells: string[]) => rows.push(cells);

function writeWorkspace(upstreamUrl: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'otp-gate-bench-'));
  const users = Array.from({ length: 1000 }, (_, i) => `  user${i}:\n    name: User ${i}\n    phone: "+1 202 555 ${String(1000 + i).slice(-4)}"\n    groups: [staff]`);
  writeFileSync(join(dir, 'users.yaml'), `users:\n${users.join('\n')}\n`);
  writeFileSync(join(dir, 'policy.yaml'), 'rules:\n  - name: public\n    paths: ["/public/**"]\n    action: bypass\n  - name: app\n    action: challenge\n');
  writeFileSync(
    join(dir, 'config.yaml'),
    `server:
  listen: "127.0.0.1:0"
  insecure_http: true
apps:
  - host: 127.0.0.1
    upstream: "${upstreamUrl}"
session:
  secrets: ["bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz"]
store:
  type: memory
  max_entries: ${Math.max(1_000_000, SESSIONS * 2)}
directory:
  file: users.yaml
policies: [policy.yaml]
otp:
  max_sends_per_hour: 1000000
  max_sends_per_address_per_hour: 100000000
  max_sends_per_destination_per_hour: 1000000
  max_sends_per_prefix_per_hour: 100000000
  max_sends_per_hour_total: 100000000
channels:
  console: {}
log:
  level: silent
audit:
  file: "off"
metrics:
  listen: "off"
`,
  );
  return join(dir, 'config.yaml');
}

function compare(name: string, subject: LoadResult, baseline: LoadResult, baselineName: string): void {
  row(name, fmt(subject.rps), `${fmt(subject.p50, 1)} / ${fmt(subject.p99, 1)}`, `${fmt(subject.rps / baseline.rps, 2)}× ${baselineName}`, `p99 ${subject.p99 - baseline.p99 >= 0 ? '+' : ''}${fmt(subject.p99 - baseline.p99, 1)} ms`);
}

async function upload(url: string, child: Child): Promise<{ mbPerSecond: number; rssGrowth: number }> {
  const before = child.rss();
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, child.rss())), 10);
  const chunk = Buffer.alloc(1024 * 1024, 1);
  const started = process.hrtime.bigint();
  await new Promise<void>((resolve, reject) => {
    const req = http.request(`${url}/public/upload`, { method: 'POST', headers: { 'content-length': UPLOAD_BYTES } }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
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

async function main(): Promise<void> {
  const upstream = await startServer('upstream.ts');
  const configPath = writeWorkspace(upstream.url);
  const gate = await startGateServer(configPath);
  const bare = await startServer('bare-proxy.ts', [upstream.url]);
  const nginx = await startNginx(upstream.url);
  const stops: Array<() => Promise<void>> = [upstream.child.stop, gate.child.stop, bare.child.stop, ...(nginx ? [nginx.stop] : [])];
  try {
    const session = await loginOnce(gate.url, 'user0', codeWaiter(gate.child));
    const opts = { connections: CONNECTIONS, seconds: SECONDS };

    // Warm-up so JIT and keep-alive pools are in the same state for every contender.
    await load({ url: `${gate.url}/app`, headers: { cookie: session }, ...opts, seconds: 2 });
    await load({ url: `${bare.url}/app`, ...opts, seconds: 2 });
    const bareGet = await load({ url: `${bare.url}/app`, ...opts });
    const gateGet = await load({ url: `${gate.url}/app`, headers: { cookie: session }, ...opts });
    results.authenticatedGet = { gate: gateGet, bareHttpProxy: bareGet };
    compare('authenticated GET via gate', gateGet, bareGet, 'http-proxy');
    row('bare http-proxy (baseline)', fmt(bareGet.rps), `${fmt(bareGet.p50, 1)} / ${fmt(bareGet.p99, 1)}`, '1.00×', '');
    if (nginx) {
      await load({ url: `${nginx.url}/app`, ...opts, seconds: 2 });
      const nginxGet = await load({ url: `${nginx.url}/app`, ...opts });
      results.nginx = nginxGet;
      row('nginx proxy_pass', fmt(nginxGet.rps), `${fmt(nginxGet.p50, 1)} / ${fmt(nginxGet.p99, 1)}`, `${fmt(gateGet.rps / nginxGet.rps, 2)}× (gate vs nginx)`, '');
    } else row('nginx proxy_pass', 'not installed', '', '', '');

    const authProbe = await fetch(`${gate.url}/_gate/auth`, { headers: { cookie: session } });
    if (authProbe.status !== 404) {
      const responder = await startServer('responder.ts');
      stops.push(responder.child.stop);
      const base = await load({ url: responder.url, ...opts });
      const auth = await load({ url: `${gate.url}/_gate/auth`, headers: { cookie: session, 'x-forwarded-uri': '/app' }, ...opts });
      results.forwardAuth = { gate: auth, responder: base };
      compare('forward-auth decisions', auth, base, 'Node responder');
    } else row('forward-auth decisions', 'no /_gate/auth in this build', '', '', '');

    const cycles = await loginCycles(gate.url, gate.child, { workers: 32, usersPerWorker: 30, seconds: SECONDS });
    results.loginCyclesMemory = cycles;
    row('login cycles/s (memory)', fmt(cycles.perSecond), '', `target ≥ 2,000/s per core`, cycles.failures ? `${cycles.failures} failed` : '');

    const bareUpload = await upload(bare.url, bare.child);
    const gateUpload = await upload(gate.url, gate.child);
    results.upload = { bytes: UPLOAD_BYTES, gate: gateUpload, bareHttpProxy: bareUpload };
    row(`upload ${fmt(UPLOAD_BYTES / 1024 / 1024)} MB`, `${fmt(gateUpload.mbPerSecond)} MB/s`, '', `${fmt(gateUpload.mbPerSecond / bareUpload.mbPerSecond, 2)}× http-proxy`, `RSS +${fmt(gateUpload.rssGrowth / 1024 / 1024, 1)} MB (target < 50)`);
  } finally {
    await Promise.all(stops.map((stop) => stop()));
  }

  // Memory with many live sessions, in a gate of its own so nothing else has touched its heap.
  const { child: mem, match } = await startChild(join(ROOT, 'bench', 'servers', 'session-memory.ts'), [configPath, String(SESSIONS)], /^(\{.*\})$/, ['--expose-gc']);
  const memory = JSON.parse(match[1]!) as { idle: number; withSessions: number; count: number };
  results.sessionMemory = memory;
  row(`${fmt(SESSIONS)} live sessions (memory store)`, '', '', '', `RSS +${fmt((memory.withSessions - memory.idle) / 1024 / 1024, 1)} MB above idle (target ≤ 100)`);
  await mem.stop();
}

main().then(
  () => {
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
    const header = ['scenario', 'req/s', 'p50 / p99 ms', 'ratio', 'notes'];
    const line = (cells: string[]) => cells.map((c, i) => c.padEnd(Math.max(widths[i] ?? 0, header[i]!.length))).join('  ');
    console.log(line(header));
    for (const r of rows) console.log(line(r));
    mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench', 'results', 'latest.json'), JSON.stringify(results, null, 2));
    console.log('\nwritten to bench/results/latest.json');
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);
