// Tokens across instances: made with `otp-gate tokens create` against the Redis two gates share,
// used from a Bearer script on both, and revoked by the CLI (by name, and with a person's
// sessions) so that both gates refuse it within session.verified_cache. Forward-auth too.
import { join } from 'node:path';

import { expect, it } from 'vitest';

import { cli, REPO } from '../cli/run-cli.js';
import { useRedisGates } from '../helpers/redis-gate.js';
import { REDIS_INSTALL, REDIS_SERVER } from '../helpers/redis-server.js';
import { describeWithBinary } from '../helpers/system-binary.js';
import { waitFor } from '../helpers/wait.js';

const APP = '127.0.0.1';

describeWithBinary('tokens on a shared redis', REDIS_SERVER, REDIS_INSTALL, (binary) => {
  const env = useRedisGates(binary);
  const config = () => join(env.a.dir, 'config.yaml');
  const tokens = (...args: string[]) => cli(['tokens', ...args, '--config', config()], REPO);
  const bearer = (url: string, token: string, path = '/page') =>
    fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);

  it('prints a created token once on stdout, and lists it without any secret', async () => {
    const made = await tokens('create', '--name', 'lister', '--apps', APP, '--groups', 'readers', '--expires', '30d');
    expect(made.code).toBe(0);
    const text = made.stdout.trim();
    expect(text).toMatch(/^otpg_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(made.stderr).toContain('shown only now');
    const listed = await tokens('list');
    expect(listed.stdout).toMatch(/lister\s+\(service\)\s+127\.0\.0\.1\s+readers/);
    expect(listed.stdout).not.toContain(text.slice(-43));
  });

  it('records a token made and revoked with the CLI in the audit trail, never its secret', async () => {
    const made = await tokens('create', '--name', 'audited', '--apps', APP);
    const revoked = await tokens('revoke', 'audited');
    expect([made.code, revoked.code]).toEqual([0, 0]);
    const secret = made.stdout.trim().slice(-43);
    // This config's audit.file is "-": a command's stdout carries its answer, so its audit line goes to stderr.
    const event = (stderr: string) => JSON.parse(stderr.split('\n').find((l) => l.startsWith('{'))!) as unknown;
    const id = /^otpg_([0-9a-f]{16})_/.exec(made.stdout)![1];
    expect(event(made.stderr)).toMatchObject({ event: 'token_created', tokenId: id, token: 'audited', ip: 'local' });
    expect(event(revoked.stderr)).toMatchObject({ event: 'token_revoked', tokenId: id, token: 'audited' });
    expect(made.stderr + revoked.stderr + revoked.stdout).not.toContain(secret);
  });

  it('refuses an app name the config does not have, naming the ones it has', async () => {
    const made = await tokens('create', '--name', 'lost', '--apps', 'wiki');
    expect(made.code).toBe(2);
    expect(made.stderr).toContain('no app is named "wiki"; the apps are: 127.0.0.1, *.apps.test');
  });

  it('stops a token revoked with the CLI on both instances within the verified cache', async () => {
    const { text: token } = await env.a.gate.tokens.create({
      kind: 'personal',
      name: 'cron',
      user: 'bob',
      apps: [APP],
      groups: [],
      lifetimeMs: 3_600_000,
    });
    expect([await bearer(env.a.url, token), await bearer(env.b.url, token)]).toEqual([200, 200]);
    const revoked = await tokens('revoke', '--user', 'bob', 'cron');
    expect(revoked.code).toBe(0);
    // session.verified_cache is 500 ms by default: both gates refuse it soon after, without a restart.
    await waitFor('gate a to refuse the revoked token', async () => (await bearer(env.a.url, token)) === 401);
    await waitFor('gate b to refuse the revoked token', async () => (await bearer(env.b.url, token)) === 401);
  });

  it("ends a person's personal tokens with `sessions revoke --user`", async () => {
    const { text } = await env.a.gate.tokens.create({
      kind: 'personal',
      name: 'laptop',
      user: 'alice',
      apps: [APP],
      groups: [],
      lifetimeMs: 3_600_000,
    });
    expect(await bearer(env.b.url, text)).toBe(200);
    const res = await cli(['sessions', 'revoke', '--config', config(), '--user', 'alice'], REPO);
    expect(res.stdout).toContain('1 personal token(s) and 0 push device(s) of alice');
    await waitFor('gate b to refuse the token', async () => (await bearer(env.b.url, text)) === 401);
  });
});
