// A private redis-server for a test suite: Debian's binary on a free port, no persistence, in a
// temp folder, which the test can kill and start again on the same port. Never the machine's 6379.
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll } from 'vitest';

import { findBinary } from './system-binary.js';

export const REDIS_SERVER = findBinary(['/usr/bin/redis-server', '/usr/local/bin/redis-server']);
export const REDIS_INSTALL = 'the redis-server package (apt-get install redis-server)';

export interface TestRedis {
  port: number;
  url: string;
  /** Kills the server at once (SIGKILL): connections drop, nothing is saved. */
  kill(): Promise<void>;
  /** Starts it again on the same port (empty, since nothing was saved); nothing when it runs. */
  start(): Promise<void>;
  /** Freezes / thaws the process: connections stay open but nothing answers. */
  pause(): void;
  resume(): void;
  /** Runs a command with redis-cli-like semantics over a fresh connection. */
  command(...args: string[]): Promise<string>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface StartRedisOptions {
  /** A fixed port (cluster nodes); a free one otherwise. */
  port?: number;
  /** A config file to start from (Sentinel needs one it can rewrite). */
  configFile?: string;
  /** Run as a Sentinel. */
  sentinel?: boolean;
}

export async function startRedis(
  binary: string,
  extraArgs: readonly string[] = [],
  options: StartRedisOptions = {},
): Promise<TestRedis> {
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'otp-gate-redis-'));
  let child: ChildProcess | undefined;

  async function start(): Promise<void> {
    if (child && child.exitCode === null) return; // already running
    const args = [
      ...(options.configFile ? [options.configFile] : []),
      ...(options.sentinel ? ['--sentinel'] : []),
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      '--daemonize',
      'no',
      ...extraArgs,
    ];
    const proc = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    let output = '';
    proc.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const deadline = Date.now() + 10_000;
    while (!(await answers(port))) {
      if (proc.exitCode !== null || Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error(`redis-server did not start on ${port}:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async function kill(): Promise<void> {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGKILL');
    await exited;
  }

  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill,
    start,
    pause: () => child?.kill('SIGSTOP'),
    resume: () => child?.kill('SIGCONT'),
    command: (...args) => rawCommand(port, args),
    async stop() {
      child?.kill('SIGCONT');
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A private redis-server for the enclosing suite, started before its tests and stopped after them.
 * Usable inside tests and later hooks; called before the suite's other hooks, it stops after those
 * have closed their clients.
 */
export function useRedis(binary: string, extraArgs: readonly string[] = []): TestRedis {
  let redis: TestRedis | undefined;
  beforeAll(async () => {
    redis = await startRedis(binary, extraArgs);
  });
  afterAll(() => redis?.stop());
  const started = () => {
    if (!redis) throw new Error('the test Redis is not started yet: use it inside tests and hooks');
    return redis;
  };
  return {
    get port() {
      return started().port;
    },
    get url() {
      return started().url;
    },
    kill: () => started().kill(),
    start: () => started().start(),
    pause: () => started().pause(),
    // Also from an afterAll that runs when the start failed.
    resume: () => redis?.resume(),
    command: (...args) => started().command(...args),
    stop: async () => redis?.stop(),
  };
}

async function answers(port: number): Promise<boolean> {
  try {
    // A server with requirepass answers NOAUTH: it is up all the same.
    return /^(PONG|NOAUTH)/.test(await rawCommand(port, ['PING']));
  } catch {
    return false;
  }
}

/** One command in RESP over a fresh socket; the reply's first line, without its type marker. */
function rawCommand(port: number, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let reply = '';
    socket.setTimeout(2_000, () => socket.destroy(new Error('redis command timed out')));
    socket.on('connect', () => {
      socket.write(`*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join(''));
    });
    socket.on('data', (d: Buffer) => {
      reply += d.toString();
      if (reply.includes('\r\n')) {
        socket.end();
        resolve(reply.slice(1, reply.indexOf('\r\n')));
      }
    });
    socket.on('error', reject);
  });
}
