// A start-up that fails (a busy port, for the gate or its metrics) ends the process with exit
// code 1 and a message naming the address and the setting to change, instead of leaving it
// running on the store connections, timers and listeners it had already opened.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { REDIS_INSTALL, REDIS_SERVER, useRedis } from '../helpers/redis-server.js';
import { serveWorkspace } from '../helpers/serve-process.js';
import { describeWithBinary } from '../helpers/system-binary.js';

const ROOT = join(import.meta.dirname, '..', '..');
// Far longer than a start-up takes on a loaded machine; a process that hangs is killed here.
const HANG_MS = 30_000;

interface Ended {
  code: number | null;
  killed: boolean;
  stderr: string;
}

/** Runs `otp-gate ARGS` and waits for it to end by itself, or kills it after HANG_MS. */
function runCli(args: string[], env: Record<string, string> = {}): Promise<Ended> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'src', 'cli.ts'), ...args],
      {
        cwd: ROOT,
        env: { ...process.env, ...env },
        timeout: HANG_MS,
        killSignal: 'SIGKILL',
      },
      (err, _stdout, stderr) => {
        const e = err as (Error & { code?: number; killed?: boolean }) | null;
        resolve({ code: e ? (typeof e.code === 'number' ? e.code : null) : 0, killed: e?.killed === true, stderr });
      },
    );
  });
}

let held: net.Server;
let heldPort: number;

beforeAll(async () => {
  held = net.createServer();
  await new Promise<void>((resolve) => held.listen(0, '127.0.0.1', resolve));
  heldPort = (held.address() as net.AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => held.close(() => resolve())));

/** A serve workspace whose gate (or metrics) listens on the port this test holds. */
function configOnHeldPort(what: 'gate' | 'metrics', extra = ''): string {
  const ws = serveWorkspace({ upstream: 'http://127.0.0.1:9', extra });
  const text = readFileSync(ws.config, 'utf8');
  const at = what === 'gate' ? '  listen: "127.0.0.1:0"\n  insecure_http' : 'metrics:\n  listen: "127.0.0.1:0"';
  writeFileSync(ws.config, text.replace(at, at.replace('127.0.0.1:0', `127.0.0.1:${heldPort}`)));
  return ws.config;
}

const busy = () =>
  `cannot listen on 127.0.0.1:${heldPort}: the address is in use (EADDRINUSE); is another gate or app running there?`;

describe('serve on a busy port, memory store', () => {
  it('exits 1 naming the address and server.listen', async () => {
    const ended = await runCli(['serve', '--config', configOnHeldPort('gate')]);
    expect(ended).toMatchObject({ killed: false, code: 1 });
    expect(ended.stderr).toContain(`otp-gate: ${busy()} set server.listen to a free address`);
  });
});

describeWithBinary('serve on a busy port, redis store', REDIS_SERVER, REDIS_INSTALL, (binary) => {
  const redis = useRedis(binary);
  const store = () => `store:\n  type: redis\n  url: "${redis.url}"\n`;

  it('closes its Redis connections and exits 1 naming server.listen', async () => {
    const ended = await runCli(['serve', '--config', configOnHeldPort('gate', store())]);
    expect(ended).toMatchObject({ killed: false, code: 1 });
    expect(ended.stderr).toContain(`otp-gate: ${busy()} set server.listen to a free address`);
  });

  it('closes the gate listener and Redis when the metrics port is the busy one, naming metrics.listen', async () => {
    const ended = await runCli(['serve', '--config', configOnHeldPort('metrics', store())]);
    expect(ended).toMatchObject({ killed: false, code: 1 });
    expect(ended.stderr).toContain(`otp-gate: ${busy()} set metrics.listen to a free address, or "off"`);
  });

  it('with several workers, stops them all and exits 1 instead of restarting them for ever', async () => {
    const config = configOnHeldPort('gate', store());
    writeFileSync(
      config,
      readFileSync(config, 'utf8').replace('  insecure_http: true\n', '  insecure_http: true\n  workers: 2\n'),
    );
    const ended = await runCli(['serve', '--config', config]);
    expect(ended).toMatchObject({ killed: false, code: 1 });
    expect(ended.stderr).toContain(`otp-gate: ${busy()} set server.listen to a free address`);
  });

  it('exits 1 when a later start-up step fails after the store connected (a broken page template)', async () => {
    const ws = serveWorkspace({ upstream: 'http://127.0.0.1:9', extra: `${store()}templates:\n  dir: pages\n` });
    mkdirSync(join(ws.dir, 'pages'));
    writeFileSync(join(ws.dir, 'pages', 'login.html'), '{{#form}} never closed');
    const ended = await runCli(['serve', '--config', ws.config]);
    expect(ended).toMatchObject({ killed: false, code: 1 });
    expect(ended.stderr).toContain('login.html: {{#form}} is never closed');
  });
});

describe('demo on a busy port', () => {
  it('closes its demo app and exits 1 naming PORT', async () => {
    const ended = await runCli(['demo'], { PORT: String(heldPort) });
    expect(ended).toMatchObject({ killed: false, code: 1 });
    expect(ended.stderr).toContain(`otp-gate: ${busy()} set PORT or --port to a free port`);
  });
});

describe('otp-gate check', () => {
  it('names a broken page template, as the start would, instead of saying OK', async () => {
    const ws = serveWorkspace({ upstream: 'http://127.0.0.1:9', extra: 'templates:\n  dir: pages\n' });
    mkdirSync(join(ws.dir, 'pages'));
    writeFileSync(join(ws.dir, 'pages', 'login.html'), '{{#form}} never closed');
    const ended = await runCli(['check', '--config', ws.config]);
    expect(ended).toMatchObject({ killed: false, code: 1 });
    expect(ended.stderr).toContain('login.html: {{#form}} is never closed');
  });
});
