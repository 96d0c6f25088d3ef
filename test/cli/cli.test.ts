import { spawn } from 'node:child_process';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { freePort } from '../helpers/redis-server.js';
import { cli, CONFIG, REPO, workspace } from './run-cli.js';

const CLI = join(REPO, 'src', 'cli.ts');

const GOOD = `server:\n  listen: "127.0.0.1:0"\n${CONFIG}`;

describe('otp-gate check', () => {
  it('accepts a good configuration and summarises it', async () => {
    const dir = workspace({ 'config.yaml': GOOD });
    const res = await cli(['check', '--config', join(dir, 'config.yaml')], dir);
    expect(res.stdout).toContain('OK');
    expect(res.stdout).toContain('4 rule(s), 2 user(s)');
    expect(res.code).toBe(0);
  });

  it('lists every problem as file:line:col and exits non-zero', async () => {
    const broken = GOOD.replace('  listen: "127.0.0.1:0"', '  listen: "127.0.0.1:0"\n  lisen: x').replace(
      'policies: [policies/]',
      'policies: [policies/]\notp:\n  ttl: 20m',
    );
    const dir = workspace({ 'config.yaml': broken });
    const res = await cli(['check', '--config', join(dir, 'config.yaml')], dir);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('config.yaml:3:3: unknown option "lisen" (did you mean "listen"?) (server.lisen)');
    expect(res.stderr).toContain('config.yaml:13:8: must be at most 10m (otp.ttl)');
    expect(res.stderr).toContain('2 error(s); the gate would not start with this configuration.');
  });

  it('refuses a redis URL with an empty port at its line and column, before anything connects', async () => {
    const dir = workspace({ 'config.yaml': `${GOOD}store:\n  type: redis\n  url: "redis://127.0.0.1:/0"\n` });
    const res = await cli(['check', '--config', join(dir, 'config.yaml')], dir);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(
      'config.yaml:15:8: expected a port from 1 to 65535 after the host, got "redis://127.0.0.1:/0" (store.url)',
    );
  });

  it('names a missing environment variable without printing any secret', async () => {
    const dir = workspace({ 'config.yaml': GOOD });
    const res = await cli(['check', '--config', join(dir, 'config.yaml')], dir, { SESSION_SECRET: undefined });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('SESSION_SECRET');
  });

  it('reports a broken policy file at its line', async () => {
    const dir = workspace({ 'config.yaml': GOOD, 'policies/main.yaml': 'rules:\n  - name: x\n    action: allow\n' });
    const res = await cli(['check', '--config', join(dir, 'config.yaml')], dir);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/main\.yaml:3:\d+: /);
  });
});

describe('otp-gate explain', () => {
  it('names the deciding rule and why earlier rules missed', async () => {
    const dir = workspace({ 'config.yaml': GOOD });
    const res = await cli(
      ['explain', '--config', join(dir, 'config.yaml'), '--url', 'https://wiki.example.com/admin/x', '--user', 'bob'],
      dir,
    );
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/MISS.*public/);
    expect(res.stdout).toMatch(/HIT.*admin/);
    expect(res.stdout).toMatch(/bob/);
  });

  it('on a broken configuration says nothing was explained, not that nothing was started', async () => {
    const dir = workspace({
      'config.yaml': GOOD.replace('policies: [policies/]', 'policies: [policies/]\notp:\n  ttl: 20m'),
    });
    const res = await cli(['explain', '--config', join(dir, 'config.yaml'), '--url', 'https://wiki.example.com/'], dir);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/\n1 error\(s\); nothing was explained\.\n$/);
  });

  it('says when no app serves the host', async () => {
    const dir = workspace({ 'config.yaml': GOOD });
    const res = await cli(
      ['explain', '--config', join(dir, 'config.yaml'), '--url', 'https://other.example.com/'],
      dir,
    );
    expect(res.stdout).toContain('404');
  });
});

interface Demo {
  url: string;
  metricsUrl: string;
  stop(): void;
}

/** `otp-gate demo` with env added; resolves once it prints where to open it and its metrics. */
async function startDemo(args: string[], env: Record<string, string> = {}): Promise<Demo> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'demo', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let out = '';
  try {
    const [url, metricsUrl] = await new Promise<[string, string]>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`demo did not start:\n${out}`)), 15_000);
      child.once('exit', () => reject(new Error(`demo exited:\n${out}`)));
      const onData = (d: Buffer) => {
        out += d.toString();
        const m = /open (http:\/\/\S+)[\s\S]*Metrics: (http:\/\/\S+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve([m[1]!, m[2]!]);
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
    });
    return { url, metricsUrl, stop: () => child.kill('SIGTERM') };
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
}

describe('otp-gate demo', () => {
  it('runs on its embedded defaults: a challenge for the app, the public page open', async () => {
    const demo = await startDemo(['--port', '0']);
    try {
      const protectedPage = await fetch(demo.url, { redirect: 'manual', headers: { Accept: 'text/html' } });
      expect(protectedPage.status).toBe(302);
      expect(protectedPage.headers.get('location')).toBe('/_gate/login?rd=%2F');
      const publicPage = await fetch(new URL('/public/', demo.url));
      expect(await publicPage.text()).toContain('Demo app');
    } finally {
      demo.stop();
    }
  });

  it('runs beside another demo: each on its PORT, each with metrics of its own', async () => {
    const [first, second] = [await freePort(), await freePort()];
    const demos = await Promise.all([startDemo([], { PORT: String(first) }), startDemo([], { PORT: String(second) })]);
    try {
      expect(demos.map((d) => new URL(d.url).port)).toEqual([String(first), String(second)]);
      expect(demos[0]!.metricsUrl).not.toBe(demos[1]!.metricsUrl);
      for (const demo of demos) {
        expect((await fetch(new URL('/public/', demo.url))).status).toBe(200);
        expect(await (await fetch(demo.metricsUrl)).text()).toContain('# TYPE');
      }
    } finally {
      for (const demo of demos) demo.stop();
    }
  });
});
