// Login cycles per gate CPU-second for several builds of the gate, alternating round by round, on
// one store; optionally the Redis commands a cycle costs, or a CPU profile of each gate.
//
//   taskset -c 0 npx tsx bench/login-ab.ts --store memory|redis [--rounds 3] [--seconds 5]
//     [--prof DIR] [--count-redis] [--count-workers 1] DIST...
//
// Each DIST is a built dist/ folder (npm run build; another checkout's for a before/after), read
// with the templates beside it. Each gate is moved to CPU 1 and the driver stays where taskset
// put it (CPU 0), so the gate's CPU time is its own. --count-redis watches the bench's Redis
// (MONITOR) while --count-workers loops sign in, before the rounds.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { Redis } from 'ioredis';

import { imageNodeFlags } from '../test/helpers/image-command.js';
import { REDIS_SERVER, startRedis } from '../test/helpers/redis-server.js';
import { loginCycles } from './lib/login-driver.js';
import type { Child } from './lib/processes.js';
import { cpuSeconds, startChild, startServer } from './lib/processes.js';
import { writeWorkspace } from './lib/workspace.js';

const { values, positionals: dists } = parseArgs({
  allowPositionals: true,
  options: {
    store: { type: 'string', default: 'memory' },
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '5' },
    prof: { type: 'string' },
    'count-redis': { type: 'boolean', default: false },
    'count-workers': { type: 'string', default: '1' },
  },
});
// As bench/run.ts signs in: each worker with users of its own, so cooldowns never get in the way.
const WORKERS = { workers: 32, usersPerWorker: 30 };
const SECONDS = Number(values.seconds);

/** Kernel CPU seconds of a process: field 15 of /proc/PID/stat. */
const systemSeconds = (pid: number) =>
  Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[12]) / 100;

interface Gate {
  dist: string;
  child: Child;
  url: string;
  perCpuSecond: number[];
}

async function startGate(dist: string, i: number, upstreamUrl: string, redisUrl: string | undefined): Promise<Gate> {
  // Each gate its own Redis database, so their keys and commands stay apart.
  const store = redisUrl
    ? ({ type: 'redis', url: `${redisUrl}/${i}` } as const)
    : ({ type: 'memory', maxEntries: 250_000 } as const);
  const profDir = values.prof && join(values.prof, String(i));
  if (profDir) mkdirSync(profDir, { recursive: true });
  const { child, match } = await startChild(
    join(dist, 'cli.js'),
    ['serve', '--config', writeWorkspace(upstreamUrl, store)],
    /on (http:\/\/\S+)/,
    [...imageNodeFlags(), ...(profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [])],
  );
  execFileSync('taskset', ['-a', '-p', '-c', '1', String(child.process.pid)], { stdio: 'ignore' });
  return { dist, child, url: match[1]!, perCpuSecond: [] };
}

/** The commands a cycle sends to Redis, by command and key family (commands inside scripts left out). */
async function countRedis(redisUrl: string, gate: Gate, db: number): Promise<void> {
  const client = new Redis(redisUrl);
  const monitor = await client.monitor();
  // ioredis sometimes misreads a MONITOR line ("Command queue state error"): unheard, that error
  // ended the whole bench and left its gates and Redis running. A count missing a line is still a count.
  monitor.on('error', (err: Error) => console.warn(`counting Redis commands: ${err.message.split('\n')[0]}`));
  const counts = new Map<string, number>();
  monitor.on('monitor', (_time: string, args: string[], source: string, database: string) => {
    if (Number(database) !== db || source === 'lua') return;
    const key = /^eval/i.test(args[0]!) ? args[3] : args[1];
    const name = `${args[0]} ${key?.split(':')[1]}`;
    counts.set(name, (counts.get(name) ?? 0) + 1);
  });
  const workers = Number(values['count-workers']);
  const { perSecond } = await loginCycles(gate.url, gate.child, { ...WORKERS, workers, seconds: 2 });
  monitor.disconnect();
  client.disconnect();
  const cycles = perSecond * 2;
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  console.log(`${gate.dist}: ${(total / cycles).toFixed(1)} Redis commands per cycle (${workers} workers)`);
  for (const [name, n] of [...counts].sort((a, b) => b[1] - a[1])) console.log(`  ${(n / cycles).toFixed(2)}  ${name}`);
}

async function round(gate: Gate, r: number): Promise<void> {
  const pid = gate.child.process.pid!;
  const [cpuBefore, systemBefore] = [cpuSeconds(pid), systemSeconds(pid)];
  const cycles = await loginCycles(gate.url, gate.child, { ...WORKERS, seconds: SECONDS });
  const [cpu, system] = [cpuSeconds(pid) - cpuBefore, systemSeconds(pid) - systemBefore];
  const done = cycles.perSecond * SECONDS;
  gate.perCpuSecond.push(done / cpu);
  console.log(
    `round ${r} ${gate.dist}: ${cycles.perSecond.toFixed(0)}/s, ${(done / cpu).toFixed(0)} per gate CPU-s, ` +
      `${((cpu / done) * 1e6).toFixed(0)} µs/cycle (${((system / cpu) * 100).toFixed(0)}% system)` +
      (cycles.failures ? `, ${cycles.failures} failed!` : ''),
  );
}

const upstream = await startServer('upstream.ts');
const redis = values.store === 'redis' ? await startRedis(REDIS_SERVER!) : undefined;
const gates: Gate[] = [];
try {
  for (const [i, dist] of dists.entries()) {
    const gate = await startGate(dist, i, upstream.url, redis?.url);
    gates.push(gate);
    // Warmed as long as a round: after 2 s the first round still came out 15-20% below the next.
    await loginCycles(gate.url, gate.child, { ...WORKERS, seconds: SECONDS });
  }
  if (values['count-redis'] && redis) for (const [i, gate] of gates.entries()) await countRedis(redis.url, gate, i);
  for (let r = 0; r < Number(values.rounds); r++) for (const gate of gates) await round(gate, r);
  for (const { dist, perCpuSecond: xs } of gates) {
    if (xs.length === 0) continue;
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    console.log(
      `${values.store} ${dist}: ${mean.toFixed(0)} cycles per gate CPU-s [${xs.map((x) => x.toFixed(0)).join(', ')}]`,
    );
  }
} finally {
  for (const gate of gates) await gate.child.stop();
  await redis?.stop();
  await upstream.child.stop();
}
