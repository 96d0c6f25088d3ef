// The built dist/ starts with the command the Docker image runs (ENTRYPOINT + CMD, read from the
// Dockerfile), answers the HEALTHCHECK, and stops cleanly on SIGTERM; the package entry point
// exports otpGate. Docker itself can't run here: this is the part of the image we can test.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { imageCommand, imageNodeFlags } from '../helpers/image-command.js';
import type { ServeProcess } from '../helpers/serve-process.js';
import { serveWorkspace, startServe } from '../helpers/serve-process.js';
import type { TestUpstream } from '../helpers/upstream.js';
import { startUpstream } from '../helpers/upstream.js';

const ROOT = join(import.meta.dirname, '..', '..');
const run = promisify(execFile);

function healthcheckScript(): string {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const m = /CMD \["node", "-e", "(.*)"\]\s*$/m.exec(dockerfile.slice(dockerfile.indexOf('HEALTHCHECK')));
  return JSON.parse(`"${m![1]!}"`) as string;
}

describe('the built image command', () => {
  let upstream: TestUpstream;
  let gate: ServeProcess;
  beforeAll(async () => {
    if (!existsSync(join(ROOT, 'dist', 'cli.js')))
      throw new Error('dist/ is missing: run `npm run build` (npm ci runs it through `prepare`)');
    upstream = await startUpstream();
  });
  afterAll(async () => {
    await gate?.stop();
    await upstream?.close();
  });

  it('is node --min-semi-space-size=16 dist/cli.js serve --config /etc/otp-gate/config.yaml', () => {
    expect(imageCommand()).toEqual([
      'node',
      '--min-semi-space-size=16',
      'dist/cli.js',
      'serve',
      '--config',
      '/etc/otp-gate/config.yaml',
    ]);
  });

  it('gives the otp-gate command the same Node flags as the image', async () => {
    const shebang = readFileSync(join(ROOT, 'bin', 'otp-gate.js'), 'utf8').split('\n')[0];
    expect(shebang).toBe(`#!/usr/bin/env -S node ${imageNodeFlags().join(' ')}`);
    // Run through its shebang, as npm's bin link runs it.
    const { stdout } = await run(join(ROOT, 'bin', 'otp-gate.js'), []);
    expect(stdout).toContain('usage: otp-gate COMMAND');
  });

  it('starts from dist/, passes the HEALTHCHECK, and stops cleanly on SIGTERM', async () => {
    const ws = serveWorkspace({ upstream: upstream.url });
    const [, ...rest] = imageCommand();
    const flags = imageNodeFlags();
    const [script, ...args] = rest.slice(flags.length);
    expect(args.slice(0, 2)).toEqual(['serve', '--config']);
    gate = await startServe(ws.config, [...flags, join(ROOT, script!)]);
    await request(gate.url).get('/_gate/healthz').expect(200);
    await request(gate.url).get('/public/x').expect(200);
    const health = await run(process.execPath, ['-e', healthcheckScript()], {
      env: { ...process.env, OTP_GATE_HEALTH_URL: `${gate.url}/_gate/healthz` },
    });
    expect(health.stderr).toBe('');
    await expect(
      run(process.execPath, ['-e', healthcheckScript()], {
        env: { ...process.env, OTP_GATE_HEALTH_URL: 'http://127.0.0.1:9/_gate/healthz' },
      }),
    ).rejects.toThrow();
    gate.child.kill('SIGTERM');
    expect(await gate.exited).toBe(0);
  });

  it('exports otpGate and startGate from the package entry point', async () => {
    const { stdout } = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "const m = await import('otp-gate'); console.log(typeof m.otpGate, typeof m.startGate)",
      ],
      { cwd: ROOT },
    );
    expect(stdout.trim()).toBe('function function');
  });
});
