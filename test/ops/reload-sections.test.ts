// Each setting reloaded in turn on a running `serve` (SIGHUP, the real reload path), one change
// at a time from the same starting file: a restart-only setting keeps working as it started and
// the log names it; the others apply at once and the log names nothing.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';

import type { Agent } from '../helpers/browser.js';
import { identify, submitCode } from '../helpers/browser.js';
import { DEFAULT_POLICY, DEFAULT_USERS } from '../helpers/gate.js';
import type { ServeProcess, ServeWorkspace } from '../helpers/serve-process.js';
import { serveWorkspace, startServe } from '../helpers/serve-process.js';
import type { TestUpstream } from '../helpers/upstream.js';
import { startUpstream } from '../helpers/upstream.js';

let upstream: TestUpstream;
let other: TestUpstream;
let ws: ServeWorkspace;
let startFile: string;
let gate: ServeProcess;

beforeAll(async () => {
  [upstream, other] = await Promise.all([startUpstream(), startUpstream()]);
  // Reloads come from SIGHUP alone, so each test's edit is reloaded exactly once.
  ws = serveWorkspace({ upstream: upstream.url, server: 'watch_files: false' });
  startFile = readFileSync(ws.config, 'utf8');
  gate = await startServe(ws.config);
});
afterAll(async () => {
  await gate?.stop();
  await Promise.all([upstream?.close(), other?.close()]);
});

/** Writes the starting config with each path ("apps.0.upstream") set to its value. */
function writeConfig(...settings: [path: string, value: unknown][]): void {
  const doc = parseDocument(startFile);
  for (const [path, value] of settings)
    doc.setIn(
      path.split('.').map((k) => (/^\d+$/.test(k) ? Number(k) : k)),
      value,
    );
  writeFileSync(ws.config, doc.toString());
}

async function reloadWith(path: string, value: unknown, ...more: [string, unknown][]): Promise<string[]> {
  writeConfig([path, value], ...more);
  return reload();
}

/** Sends SIGHUP; resolves with the settings the reload named as waiting for a restart. */
async function reload(): Promise<string[]> {
  const from = gate.output().length;
  gate.child.kill('SIGHUP');
  const done = await gate.waitFor(/"msg":"configuration reloaded"/, from);
  const logged = gate.output().slice(from, from + done.index);
  return [...logged.matchAll(/"setting":"([^"]+)"/g)].map((m) => m[1]!);
}

/** An SMS channel whose provider would be the upstream: a code sent through it shows there. */
const smsChannel = () => ({ provider: 'http', url: `${upstream.url}/sms?to={{to}}&text={{text}}`, body_type: 'form' });

const browser = (): Agent => request.agent(gate.url).set('Accept', 'text/html');

/** Asks for a code and returns the code page, and the code as the console channel printed it. */
async function askCode(agent: Agent, username: string): Promise<{ csrf: string; html: string; code: string }> {
  const from = gate.output().length;
  const { status, csrf, html } = await identify(agent, username);
  expect(status).toBe(303);
  const code = (await gate.waitFor(new RegExp(`console channel\\] code for ${username} .*: (\\d+)`), from))[1]!;
  return { csrf, html, code };
}

async function signIn(agent: Agent, username: string) {
  const { csrf, code } = await askCode(agent, username);
  const res = await submitCode(agent, csrf, code);
  expect(res.status).toBe(303);
  return res;
}

describe('a reload of a restart-only setting keeps it as it started', () => {
  it('server.listen: the gate answers on the address it started on', async () => {
    expect(await reloadWith('server.listen', '127.0.0.1:1')).toEqual(['server.listen']);
    await request(gate.url).get('/public/x').expect(200);
  });

  it("server.path_prefix: the gate's pages stay under the old prefix, the new one is an app path", async () => {
    expect(await reloadWith('server.path_prefix', '/_auth')).toEqual(['server.path_prefix']);
    await browser().get('/_gate/login').expect(200);
    const res = await browser().get('/_auth/login').expect(302);
    expect(res.headers.location).toBe('/_gate/login?rd=%2F_auth%2Flogin');
  });

  it('server.insecure_http: the session cookie keeps its start-up flags', async () => {
    expect(await reloadWith('server.insecure_http', false)).toEqual(['server.insecure_http', 'session']);
    const res = await signIn(browser(), 'alice');
    const cookie = (res.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('otp_gate='));
    expect(cookie).toBeDefined();
    expect(cookie).not.toMatch(/Secure/i);
  });

  it('server.watch_files: a saved policy is not picked up without SIGHUP', async () => {
    expect(await reloadWith('server.watch_files', true)).toEqual(['server.watch_files']);
    writeFileSync(ws.policyFile, DEFAULT_POLICY.replace('paths: ["/public/**"]', 'paths: ["/public/**", "/docs/**"]'));
    try {
      // Past the watcher's 300 ms debounce.
      await new Promise((resolve) => setTimeout(resolve, 800));
      await request(gate.url).get('/docs/').set('Accept', 'application/json').expect(401);
    } finally {
      writeFileSync(ws.policyFile, DEFAULT_POLICY);
    }
  });

  it('session: a browser signed in before a new cookie name stays signed in', async () => {
    const agent = browser();
    await signIn(agent, 'alice');
    expect(await reloadWith('session.cookie_name', 'renamed')).toEqual(['session']);
    await agent.get('/docs/').set('Accept', 'application/json').expect(200);
  });

  it('otp: the code page and the code keep the start-up length', async () => {
    expect(await reloadWith('otp.length', 8)).toEqual(['otp']);
    const { html, code } = await askCode(browser(), 'bob');
    expect(html).toContain('data-length="6"');
    expect(code).toMatch(/^\d{6}$/);
  });

  it('channels: a channel added to the file is not used, and rules keep the channels they had', async () => {
    expect(await reloadWith('channels.sms', smsChannel())).toEqual(['channels']);
    const before = upstream.seen.length;
    await askCode(browser(), 'bob');
    expect(upstream.seen.slice(before).filter((r) => r.url.startsWith('/sms'))).toEqual([]);
  });

  it('channels: a rule naming a channel only the file has is refused until the restart', async () => {
    writeFileSync(ws.policyFile, `${DEFAULT_POLICY}    channels: [sms]\n`);
    try {
      writeConfig(['channels.sms', smsChannel()]);
      const from = gate.output().length;
      gate.child.kill('SIGHUP');
      const failed = await gate.waitFor(/reload failed[^\n]*/, from);
      expect(failed[0]).toContain('channel \\"sms\\" is not configured (configured: console)');
      expect(failed[0]).toContain(
        'channels added since the start (sms) are not running: users and policies can name them after a restart',
      );
    } finally {
      writeFileSync(ws.policyFile, DEFAULT_POLICY);
    }
  });

  it('metrics: the metrics listener stays where it started', async () => {
    expect(await reloadWith('metrics.listen', 'off')).toEqual(['metrics']);
    await request(gate.metricsUrl).get('').expect(200);
  });

  it('templates.dir: the pages keep the templates they started with', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'otp-gate-templates-'));
    writeFileSync(join(dir, 'login.html'), '<p>a login page from the new folder</p>');
    expect(await reloadWith('templates.dir', dir)).toEqual(['templates.dir']);
    const page = await browser().get('/_gate/login').expect(200);
    expect(page.text).not.toContain('from the new folder');
    expect(page.text).toContain('name="identifier"');
  });

  it('pages: the pages keep the brand they started with', async () => {
    expect(await reloadWith('pages.brand', { name: 'Renamed Brand' })).toEqual(['pages']);
    const page = await browser().get('/_gate/login').expect(200);
    expect(page.text).not.toContain('Renamed Brand');
  });

  it('server.workers: the log names it with the Redis store several workers need', async () => {
    const redis = { type: 'redis', url: 'redis://127.0.0.1:6379/0' };
    expect(await reloadWith('server.workers', 2, ['store', redis])).toEqual(['server.workers', 'store']);
    await request(gate.url).get('/public/x').expect(200);
  });

  it.each([
    ['server.headers_timeout', '5s', ['server.headers_timeout']],
    ['server.request_timeout', '1m', ['server.request_timeout']],
    ['server.keep_alive_timeout', '65s', ['server.keep_alive_timeout']],
    ['server.max_connections', 50, ['server.max_connections']],
    ['store', { type: 'memory', max_entries: 500 }, ['store']],
    ['audit.file', '-', ['audit.file']],
    ['totp', { keys: ['a-very-long-totp-key-for-tests-only-0123456789ab'] }, ['totp']],
    ['log.level', 'debug', ['log.level']],
  ])('%s: the log names it', async (path, value, named) => {
    expect(await reloadWith(path, value)).toEqual(named);
    await request(gate.url).get('/public/x').expect(200);
  });
});

describe('a reload applies at once', () => {
  beforeAll(() => writeFileSync(ws.config, startFile));

  it('policies', async () => {
    writeFileSync(ws.policyFile, DEFAULT_POLICY.replace('paths: ["/public/**"]', 'paths: ["/public/**", "/docs/**"]'));
    try {
      expect(await reload()).toEqual([]);
      await request(gate.url).get('/docs/').set('Accept', 'application/json').expect(200);
    } finally {
      writeFileSync(ws.policyFile, DEFAULT_POLICY);
    }
  });

  it('users', async () => {
    writeFileSync(
      join(ws.dir, 'users.yaml'),
      `${DEFAULT_USERS}  carol:\n    name: Carol Example\n    phone: "+39 333 000 0003"\n`,
    );
    expect(await reload()).toEqual([]);
    await askCode(browser(), 'carol');
  });

  it('apps: a new upstream gets the requests', async () => {
    expect(await reloadWith('apps.0.upstream', other.url)).toEqual([]);
    const before = other.seen.length;
    await request(gate.url).get('/public/x').expect(200);
    expect(other.seen.slice(before).map((r) => r.url)).toEqual(['/public/x']);
  });

  it('server.trusted_proxies: the forwarded client address is believed', async () => {
    expect(await reloadWith('server.trusted_proxies', ['127.0.0.1/32'])).toEqual([]);
    const res = await request(gate.url).get('/public/x').set('X-Forwarded-For', '203.0.113.9').expect(200);
    expect(res.body.headers['x-forwarded-for']).toBe('203.0.113.9, 127.0.0.1');
  });

  it('identity_headers: a header added to strip no longer reaches the app', async () => {
    const sent = async () =>
      (await request(gate.url).get('/public/x').set('X-Team-Token', 't').expect(200)).body.headers['x-team-token'];
    expect(await sent()).toBe('t');
    expect(await reloadWith('identity_headers.strip', ['X-Team-Token'])).toEqual([]);
    expect(await sent()).toBeUndefined();
  });

  it('server.max_form_bytes: a larger form is refused', async () => {
    expect(await reloadWith('server.max_form_bytes', 1024)).toEqual([]);
    await browser()
      .post('/_gate/login')
      .type('form')
      .send({ identifier: 'x'.repeat(2048) })
      .expect(413);
  });

  it.each([
    ['server.public_url', 'https://gate.example.com'],
    ['server.shutdown_timeout', '20s'],
    ['directory.default_country', 'IT'],
  ])('%s, without a warning', async (path, value) => {
    expect(await reloadWith(path, value)).toEqual([]);
  });
});
