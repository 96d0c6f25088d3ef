// `otp-gate serve` as a child process on a workspace of its own (config, users, policies in a
// temp folder), with everything it prints kept, so tests can signal it and read its logs.
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { join } from 'node:path';

import { configText } from './config-text.js';
import { DEFAULT_POLICY, gateFolder, TEST_SECRET } from './gate.js';

const ROOT = join(import.meta.dirname, '..', '..');

export interface ServeWorkspace {
  dir: string;
  config: string;
  policyFile: string;
}

export function serveWorkspace(options: {
  upstream: string;
  extra?: string;
  policy?: string;
  server?: string;
}): ServeWorkspace {
  const server = [
    '  listen: "127.0.0.1:0"',
    '  insecure_http: true',
    ...(options.server ?? '').split('\n').map((l) => `  ${l}`),
  ].join('\n');
  const config = `${configText({ server, host: '127.0.0.1', upstream: options.upstream, secret: TEST_SECRET })}channels:
  console: {}
audit:
  file: "off"
metrics:
  listen: "127.0.0.1:0"
${options.extra ?? ''}
`;
  const dir = gateFolder({ 'config.yaml': config, 'policies/main.yaml': options.policy ?? DEFAULT_POLICY });
  return { dir, config: join(dir, 'config.yaml'), policyFile: join(dir, 'policies', 'main.yaml') };
}

export interface ServeProcess {
  url: string;
  metricsUrl: string;
  child: ChildProcess;
  output(): string;
  /** Waits until the output matches (after `from` characters), or fails with the output so far. */
  waitFor(pattern: RegExp, from?: number, timeoutMs?: number): Promise<RegExpExecArray>;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

/** `command` defaults to running the TypeScript source through tsx; pass ['dist/cli.js'] for the build. */
export async function startServe(
  config: string,
  command: string[] = ['--import', 'tsx', join(ROOT, 'src', 'cli.ts')],
): Promise<ServeProcess> {
  const child = spawn(process.execPath, [...command, 'serve', '--config', config], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const listeners = new Set<() => void>();
  const onData = (d: Buffer) => {
    output += d.toString();
    for (const l of listeners) l();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const waitFor = (pattern: RegExp, from = 0, timeoutMs = 15_000) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const m = pattern.exec(output.slice(from));
        if (m) {
          cleanup();
          resolve(m);
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no ${pattern} in the gate's output:\n${output}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      listeners.add(check);
      void exited.then(() => {
        check();
        if (listeners.has(check)) {
          cleanup();
          reject(new Error(`gate exited before ${pattern}:\n${output}`));
        }
      });
      check();
    });

  const url = (await waitFor(/serving .* on (http:\/\/\S+)/))[1]!;
  const metricsUrl = (await waitFor(/metrics at (http:\/\/\S+)/))[1]!;
  return {
    url,
    metricsUrl,
    child,
    output: () => output,
    waitFor,
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
