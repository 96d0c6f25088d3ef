// Child processes for the bench: each server runs apart from the load generator, so the numbers
// measure the server and not the process that is pushing load into it.
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { imageNodeFlags } from '../../test/helpers/image-command.js';

export const ROOT = join(import.meta.dirname, '..', '..');

const TICKS_PER_SECOND = 100; // USER_HZ, 100 on every Linux Node supports

/** CPU time (user + system) a process and its live children (nginx's workers) have used, s. */
export function cpuSeconds(pid: number): number {
  // Fields 14 and 15 of /proc/PID/stat, counted after the ")" that ends the command name.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const own = (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  const childrenFile = `/proc/${pid}/task/${pid}/children`;
  const children = existsSync(childrenFile)
    ? readFileSync(childrenFile, 'utf8').trim().split(' ').filter(Boolean).map(Number)
    : [];
  return children.reduce((sum, child) => sum + cpuSeconds(child), own);
}

export interface Child {
  process: ChildProcess;
  /** Everything it printed on stdout, as it arrives. */
  onLine(listener: (line: string) => void): void;
  rss(): number;
  stop(): Promise<void>;
}

/**
 * Starts an entry (TypeScript through `node --import tsx`, JavaScript as is) and resolves once
 * `ready` matches a line it prints, within `readyWithinMs`.
 */
export async function startChild(
  entry: string,
  args: string[],
  ready: RegExp,
  nodeArgs: string[] = [],
  readyWithinMs = 20_000,
): Promise<{ child: Child; match: RegExpExecArray }> {
  const loader = entry.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const proc = spawn(process.execPath, [...nodeArgs, ...loader, entry, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const listeners: Array<(line: string) => void> = [];
  let buffered = '';
  let output = '';
  proc.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) for (const l of listeners) l(line);
  });
  proc.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${entry} did not start:\n${output}`)), readyWithinMs);
    listeners.push((line) => {
      output += `${line}\n`;
      const m = ready.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    });
    proc.once('exit', (code) => reject(new Error(`${entry} exited with ${code}:\n${output}`)));
  });
  const child: Child = {
    process: proc,
    onLine: (l) => listeners.push(l),
    rss: () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${proc.pid}/status`, 'utf8'))![1]) * 1024,
    stop: () =>
      new Promise((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
        setTimeout(() => proc.kill('SIGKILL'), 5_000).unref();
      }),
  };
  return { child, match };
}

export async function startServer(entry: string, args: string[] = []): Promise<{ child: Child; url: string }> {
  const { child, match } = await startChild(join(ROOT, 'bench', 'servers', entry), args, /^listening (\d+)$/);
  return { child, url: `http://127.0.0.1:${match[1]}` };
}

/** The gate as it runs in production: the compiled dist/ (`npm run bench` builds it first) with the image's Node flags. */
export async function startGateServer(configPath: string): Promise<{ child: Child; url: string }> {
  const { child, match } = await startChild(
    join(ROOT, 'dist', 'cli.js'),
    ['serve', '--config', configPath],
    /on (http:\/\/\S+)/,
    imageNodeFlags(),
  );
  return { child, url: match[1]! };
}
