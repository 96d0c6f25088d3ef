// Load from a process of its own (autocannon's CLI), so neither the server measured nor this
// orchestrating process shares an event loop with the load generator. Also reports the server's
// CPU time per request, the figure that means most on a shared, noisy machine.
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

import { cpuSeconds } from './processes.js';

const AUTOCANNON = join(dirname(createRequire(import.meta.url).resolve('autocannon/package.json')), 'autocannon.js');
const run = promisify(execFile);

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  /** Server CPU time (user + system, its children included) per request, µs; undefined without a pid. */
  cpuMicrosPerRequest: number | undefined;
}

export interface LoadOptions {
  /** "[<id>]" in it becomes a new id in every request: URLs that never repeat. */
  url: string;
  headers?: Record<string, string>;
  connections: number;
  seconds: number;
  /** The server process to charge CPU time to, or every process that serves it (nginx and the gate). */
  pid?: number | readonly number[];
}

interface AutocannonJson {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  errors: number;
  timeouts: number;
  non2xx: number;
}

export async function load(options: LoadOptions): Promise<LoadResult> {
  const headerArgs = Object.entries(options.headers ?? {}).flatMap(([k, v]) => ['-H', `${k}=${v}`]);
  const pids = options.pid === undefined ? [] : [options.pid].flat();
  const used = () => pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const before = used();
  const { stdout } = await run(
    process.execPath,
    [
      AUTOCANNON,
      '--json',
      '-c',
      String(options.connections),
      '-d',
      String(options.seconds),
      ...headerArgs,
      ...(options.url.includes('[<id>]') ? ['-I'] : []),
      options.url,
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  const spent = pids.length === 0 ? undefined : used() - before;
  const result = JSON.parse(stdout) as AutocannonJson;
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    cpuMicrosPerRequest:
      spent === undefined || result.requests.total === 0 ? undefined : (spent / result.requests.total) * 1e6,
  };
}
