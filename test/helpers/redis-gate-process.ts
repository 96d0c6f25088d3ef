// `otp-gate serve` as real processes on a test Redis (with `server.workers`, a primary and its
// workers): waits until the expected number of processes say they are serving, and reads the
// codes the console channel printed. (Named apart from serve-process.ts, which issue 5's tests use.)
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { configText, SECRET_FROM_ENV } from './config-text.js';

const ROOT = join(import.meta.dirname, '..', '..');

export interface RedisGateProcess {
  child: ChildProcess;
  /** Everything printed so far, stdout and stderr (workers share the primary's). */
  output(): string;
  /** Waits for the n-th code (1-based) the console channel printed for a user. */
  code(user: string, n: number, timeoutMs?: number): Promise<string>;
  /** SIGTERM (SIGKILL 15 s later if still running), then the exit code. */
  stop(): Promise<number | null>;
}

export async function startRedisGateProcess(
  configPath: string,
  options: {
    serving: number;
    env?: Record<string, string>;
    /** How long to wait for them to serve, ms (default 30 s). */
    startTimeoutMs?: number;
  },
): Promise<RedisGateProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'src', 'cli.ts'), 'serve', '--config', configPath],
    {
      cwd: ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const until = async (done: () => boolean, timeoutMs: number, what: string) => {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`${what}; the gate printed:\n${output}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  try {
    await until(
      () => (output.match(/otp-gate serving /g) ?? []).length >= options.serving,
      options.startTimeoutMs ?? 30_000,
      `fewer than ${options.serving} processes started serving`,
    );
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  const codes = (user: string) =>
    [...output.matchAll(new RegExp(`code for ${user} \\(.*\\) on .*: (\\d+)`, 'g'))].map((m) => m[1]!);
  return {
    child,
    output: () => output,
    async code(user, n, timeoutMs = 5_000) {
      await until(() => codes(user).length >= n, timeoutMs, `no code #${n} for ${user}`);
      return codes(user)[n - 1]!;
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      // A gate that does not drain in time is not left behind.
      const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(kill);
      return code;
    },
  };
}

export interface RedisGateConfig {
  port: number;
  /** `server.workers`: the primary's workers that share the port. */
  workers: number;
  redisUrl: string;
  upstream: string;
}

/**
 * Writes `name` in `dir` (a gateFolder): a gate on the Redis store, console codes, generous send
 * limits, no audit file, warnings only, and the secret from SESSION_SECRET.
 */
export function writeRedisGateConfig(dir: string, name: string, c: RedisGateConfig): string {
  const file = join(dir, name);
  const server = `  listen: "127.0.0.1:${c.port}"\n  insecure_http: true\n  workers: ${c.workers}`;
  writeFileSync(
    file,
    configText({ server, host: '127.0.0.1', upstream: c.upstream, secret: SECRET_FROM_ENV }) +
      [
        'store:',
        '  type: redis',
        `  url: "${c.redisUrl}"`,
        'otp:',
        '  max_sends_per_hour: 1000',
        '  max_sends_per_address_per_hour: 1000',
        'channels:',
        '  console: {}',
        'audit:',
        '  file: "off"',
        'log:',
        '  level: warn',
        // Several gates on one machine: the metrics listener would want the same port.
        'metrics:',
        '  listen: "off"',
        '',
      ].join('\n'),
  );
  return file;
}
