// Starts a real gate for a test: config, users and policies written to a temp folder and loaded
// through the same loader `serve` uses; codes read from the console channel's output.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Writable } from 'node:stream';
import { PassThrough } from 'node:stream';

import { afterAll, afterEach, beforeAll } from 'vitest';

import { loadGate } from '../../src/config/load-gate.js';
import type { RunningGate } from '../../src/main/server.js';
import { startGate } from '../../src/main/server.js';
import type { Clock } from '../../src/shared/clock.js';
import { createLogger } from '../../src/shared/log.js';
import type { Store } from '../../src/store/store.js';
import type { TestUpstream } from './upstream.js';
import { startUpstream } from './upstream.js';

export const TEST_SECRET = 'test-secret-0123456789-abcdefghijklmnopqrstuvwxyz';

export const DEFAULT_USERS = `
users:
  alice:
    name: Alice Example
    phone: "+39 333 000 0001"
    groups: [admins, staff]
  bob:
    name: Bob Example
    phone: "+1 202 555 0102"
    groups: [staff]
`;

export const DEFAULT_POLICY = `
rules:
  - name: public
    paths: ["/public/**"]
    action: bypass
  - name: blocked
    paths: ["/blocked/**"]
    action: deny
  - name: admin
    paths: ["/admin/**"]
    action: challenge
    groups: [admins]
  - name: everyone
    action: challenge
`;

export interface TestGateOptions {
  upstream: string;
  /** Extra YAML appended to the config (top-level sections not otherwise written). */
  extraConfig?: string;
  /** Replaces the default `server:` section body. */
  server?: string;
  /** Replaces the default `session:` section body. */
  session?: string;
  /** Replaces the default `otp:` section body. */
  otp?: string;
  /** Replaces the default apps list. */
  apps?: string;
  /** Replaces the default `channels:` section body (console only). */
  channels?: string;
  /** Replaces the default `metrics:` section body (a free loopback port, so gates never collide). */
  metrics?: string;
  users?: string;
  policy?: string;
  clock?: Clock;
  store?: Store;
  /** Pauses between re-checks of a channel that is down (GateOptions.channelRetryMs). */
  channelRetryMs?: { first: number; max: number };
  /** Where the gate's own logger (built as `serve` builds it, at debug level) writes; silent when absent. */
  logOut?: Writable;
}

export interface TestGate {
  gate: RunningGate;
  url: string;
  dir: string;
  inbox: CodeInbox;
  audit: string[];
  close(): Promise<void>;
}

/** A temp folder with users.yaml and policies/main.yaml (the defaults above) and any other files given. */
export function gateFolder(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'otp-gate-test-'));
  const all = { 'users.yaml': DEFAULT_USERS, 'policies/main.yaml': DEFAULT_POLICY, ...files };
  for (const [name, text] of Object.entries(all)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

export async function startTestGate(options: TestGateOptions): Promise<TestGate> {
  const dir = gateFolder({
    'users.yaml': options.users ?? DEFAULT_USERS,
    'policies/main.yaml': options.policy ?? DEFAULT_POLICY,
  });
  const config = `
server:
${indent(options.server ?? 'listen: "127.0.0.1:0"\ninsecure_http: true')}
apps:
${indent(options.apps ?? `- host: 127.0.0.1\n  upstream: "${options.upstream}"\n- host: "*.apps.test"\n  upstream: "${options.upstream}"`)}
session:
${indent(options.session ?? `secrets: ["${TEST_SECRET}"]`)}
otp:
${indent(options.otp ?? 'max_sends_per_hour: 1000\nmax_sends_per_address_per_hour: 1000\nmax_sends_per_destination_per_hour: 1000\nmax_sends_per_prefix_per_hour: 1000')}
directory:
  file: users.yaml
policies: [policies/]
channels:
${indent(options.channels ?? 'console: {}')}
log:
  level: ${options.logOut ? 'debug' : 'silent'}
metrics:
${indent(options.metrics ?? 'listen: "127.0.0.1:0"')}
${options.extraConfig ?? ''}
`;
  writeFileSync(join(dir, 'config.yaml'), config);
  const { gate: loaded } = await loadGate(join(dir, 'config.yaml'), {});
  const consoleOut = new PassThrough();
  const auditOut = new PassThrough();
  const audit: string[] = [];
  auditOut.on('data', (chunk: Buffer) => audit.push(...chunk.toString().split('\n').filter(Boolean)));
  const inbox = new CodeInbox(consoleOut);
  const gate = await startGate(loaded, {
    consoleOut,
    auditOut,
    clock: options.clock,
    store: options.store,
    channelRetryMs: options.channelRetryMs,
    ...(options.logOut ? { logOut: options.logOut } : { log: createLogger({ level: 'silent' }) }),
  });
  return { gate, url: gate.url, dir, inbox, audit, close: () => gate.close() };
}

const indent = (text: string) =>
  text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');

/** Collects what the console channel printed and hands out codes per user. */
export class CodeInbox {
  readonly lines: string[] = [];
  private waiters: Array<() => void> = [];

  constructor(stream: PassThrough) {
    stream.on('data', (chunk: Buffer) => {
      this.lines.push(...chunk.toString().split('\n').filter(Boolean));
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  /** Codes sent to a user so far, oldest first. */
  codesFor(username: string): string[] {
    const re = new RegExp(`code for ${username} \\(.*\\) on .*: (\\d+)$`);
    return this.lines.flatMap((l) => re.exec(l)?.[1] ?? []);
  }

  /** Waits for the n-th code (1-based) sent to a user. */
  async code(username: string, n = 1, timeoutMs = 5_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const codes = this.codesFor(username);
      if (codes.length >= n) return codes[n - 1]!;
      if (Date.now() > deadline)
        throw new Error(`no code #${n} for ${username}; console printed:\n${this.lines.join('\n')}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }
}

/**
 * Registers hooks that start an upstream and a gate in front of it for the enclosing suite.
 * Read `env.gate` / `env.upstream` inside tests (they exist once beforeAll has run).
 */
export function useGate(
  options: Omit<TestGateOptions, 'upstream'> & { upstream?: (upstreamUrl: string) => string } = {},
): {
  gate: TestGate;
  upstream: TestUpstream;
} {
  const env = {} as { gate: TestGate; upstream: TestUpstream };
  beforeAll(async () => {
    env.upstream = await startUpstream();
    env.gate = await startTestGate({ ...options, upstream: options.upstream?.(env.upstream.url) ?? env.upstream.url });
  });
  afterAll(async () => {
    await env.gate?.close();
    await env.upstream?.close();
  });
  return env;
}

/**
 * For suites whose tests each start a gate of their own: one upstream for the suite, and
 * `start(options)`, whose gate is closed after the test that started it.
 */
export function useGatePerTest(): { start(options?: Omit<TestGateOptions, 'upstream'>): Promise<TestGate> } {
  let upstream: TestUpstream | undefined;
  let gate: TestGate | undefined;
  beforeAll(async () => {
    upstream = await startUpstream();
  });
  afterEach(async () => {
    await gate?.close();
    gate = undefined;
  });
  afterAll(() => upstream?.close());
  return {
    start: async (options = {}) => (gate = await startTestGate({ ...options, upstream: upstream!.url })),
  };
}
