// `otp-gate sessions list|revoke` against the configured Redis, and `check` on `workers`.
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createPushSubscriptions } from '../../src/channels/push-subscriptions.js';
import { loadGate } from '../../src/config/load-gate.js';
import type { Sessions } from '../../src/session/sessions.js';
import { createSessions } from '../../src/session/sessions.js';
import { createSigner } from '../../src/session/signer.js';
import { createTrustedDevices } from '../../src/session/trusted-devices.js';
import { systemClock } from '../../src/shared/clock.js';
import { createStore } from '../../src/store/create-store.js';
import type { Store } from '../../src/store/store.js';
import { createWebauthnCredentials } from '../../src/webauthn/credentials.js';
import { configText, SECRET_FROM_ENV } from '../helpers/config-text.js';
import { TEST_SECRET } from '../helpers/gate.js';
import { redisStoreSection } from '../helpers/redis-gate.js';
import { REDIS_INSTALL, REDIS_SERVER, useRedis } from '../helpers/redis-server.js';
import { describeWithBinary } from '../helpers/system-binary.js';
import { cli as runCli, REPO, workspace } from './run-cli.js';

/** A workspace whose config has `extra` appended and `server` lines under server:; returns the config's path. */
function workspaceConfig(extra: string, server = ''): string {
  const config = configText({
    server: `  listen: "127.0.0.1:0"${server && `\n${server}`}`,
    upstream: 'http://127.0.0.1:9',
    secret: SECRET_FROM_ENV,
  });
  return join(workspace({ 'config.yaml': config + extra }), 'config.yaml');
}

/** `otp-gate ARGS` from the repository's folder. */
const cli = (args: string[]) => runCli(args, REPO);

describe('otp-gate check on workers', () => {
  it('reports workers on the memory store at its line and column, and starts nothing', async () => {
    const config = workspaceConfig('', '  workers: 4');
    const res = await cli(['check', '--config', config]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('config.yaml:3:12: workers: 4 needs store type "redis"');
    expect(res.stderr).toContain('(server.workers)');
  });

  it('refuses the sessions command on the memory store, which only the gate process can see', async () => {
    const res = await cli(['sessions', 'list', '--config', workspaceConfig(''), '--user', 'alice']);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('only a redis store can be managed');
  });

  it('explains its usage when asked to revoke by both user and id', async () => {
    const res = await cli(['sessions', 'revoke', '--config', workspaceConfig(''), '--user', 'alice', '--id', 'x']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('exactly one of --user NAME or --id ID');
  });
});

describeWithBinary('otp-gate sessions', REDIS_SERVER, REDIS_INSTALL, (binary) => {
  const redis = useRedis(binary);
  let config: string;
  let store: Store;
  let sessions: Sessions;
  beforeAll(async () => {
    config = workspaceConfig(redisStoreSection(redis.url));
    // The gate's side: sessions written through the same config, as a running gate would.
    const { gate } = await loadGate(config, { SESSION_SECRET: TEST_SECRET });
    store = createStore(gate.config.store);
    await store.check();
    sessions = createSessions({
      store,
      signer: createSigner([TEST_SECRET]),
      clock: systemClock,
      config: gate.config.session,
    });
  });
  afterAll(async () => {
    await store?.close();
  });

  it("lists a user's sessions with their ids in full", async () => {
    const one = await sessions.create('alice');
    const two = await sessions.create('alice');
    const bobs = await sessions.create('bob');
    const res = await cli(['sessions', 'list', '--config', config, '--user', 'alice']);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^ID\s+USER\s+CREATED\s+LAST SEEN\n/);
    expect(res.stdout).toContain(one.session.id);
    expect(res.stdout).toContain(two.session.id);
    expect(res.stdout).not.toContain(bobs.session.id);
  });

  it("revokes one session by id, leaving the user's others", async () => {
    const keep = await sessions.create('bob');
    const end = await sessions.create('bob');
    const res = await cli(['sessions', 'revoke', '--config', config, `--id=${end.session.id}`]);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(`revoked session ${end.session.id} of bob`);
    expect(await sessions.resolve(end.cookie)).toBeUndefined();
    expect(await sessions.resolve(keep.cookie)).toBeDefined();
    const again = await cli(['sessions', 'revoke', '--config', config, `--id=${end.session.id}`]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('no session has that id');
  });

  it('revokes every session of a user, which the gates then refuse', async () => {
    const a = await sessions.create('alice');
    const b = await sessions.create('alice');
    const res = await cli(['sessions', 'revoke', '--config', config, '--user', 'alice']);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(
      /revoked [1-9]\d* session\(s\), 0 trusted browser\(s\), 0 personal token\(s\) and 0 push device\(s\) of alice/,
    );
    expect(await sessions.resolve(a.cookie)).toBeUndefined();
    expect(await sessions.resolve(b.cookie)).toBeUndefined();
    const listed = await cli(['sessions', 'list', '--config', config, '--user', 'alice']);
    expect(listed.stdout).toBe('no sessions for alice\n');
  });

  it('records a revocation in the audit trail, naming who ran it', async () => {
    const trail = join(dirname(config), 'audit.jsonl');
    const audited = workspaceConfig(`${redisStoreSection(redis.url)}audit:\n  file: "${trail}"\n`);
    await sessions.create('erin');
    const res = await cli(['sessions', 'revoke', '--config', audited, '--user', 'erin']);
    expect(res.code).toBe(0);
    const lines = readFileSync(trail, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([
      expect.objectContaining({
        audit: true,
        event: 'sessions_revoked',
        user: 'erin',
        outcome: 'ok',
        ip: 'local',
        by: `cli:${userInfo().username}`,
        reason: expect.stringMatching(
          /^1 session\(s\), 0 trusted browser\(s\), 0 personal token\(s\) and 0 push device\(s\)$/,
        ),
      }),
    ]);
  });

  it("revoking a user forgets the browsers they trusted, leaving other users' trust", async () => {
    const devices = createTrustedDevices({ store, signer: createSigner([TEST_SECRET]), clock: systemClock });
    const carol = await devices.trust('carol', 86_400_000);
    const bob = await devices.trust('bob', 86_400_000);
    const res = await cli(['sessions', 'revoke', '--config', config, '--user', 'carol']);
    expect(res.stdout).toContain(', 1 trusted browser(s), 0 personal token(s) and 0 push device(s) of carol');
    expect(await devices.resolve(carol)).toBeUndefined();
    expect(await devices.resolve(bob)).toMatchObject({ user: 'bob' });
  });

  it("revoking a user removes the browsers they registered for push approvals, leaving others'", async () => {
    const pushDevices = createPushSubscriptions(store);
    const browser = (n: number) => ({
      endpoint: `https://fcm.googleapis.com/fcm/send/${n}`,
      p256dh: Buffer.concat([Buffer.from([4]), Buffer.alloc(64, n)]).toString('base64url'),
      auth: Buffer.alloc(16, n).toString('base64url'),
    });
    await pushDevices.add('frank', browser(1), 'Phone', 0, 10);
    await pushDevices.add('frank', browser(2), 'Tablet', 0, 10);
    await pushDevices.add('bob', browser(3), 'Phone', 0, 10);
    const res = await cli(['sessions', 'revoke', '--config', config, '--user', 'frank']);
    expect(res.stdout).toContain(' and 2 push device(s) of frank');
    expect(await pushDevices.list('frank')).toEqual([]);
    expect(await pushDevices.list('bob')).toHaveLength(1);
  });

  it("with --credentials also removes the user's passkeys and security keys, leaving others'", async () => {
    const keys = createWebauthnCredentials(store);
    const key = (id: string) => ({
      id,
      publicKey: 'cHVibGlj',
      counter: 0,
      transports: [],
      name: id,
      createdAt: 0,
      lastUsedAt: undefined,
    });
    await keys.add('dave', key('dave-phone'));
    await keys.add('dave', key('dave-usb'));
    await keys.add('bob', key('bob-phone'));
    const res = await cli(['sessions', 'revoke', '--config', config, '--user', 'dave', '--credentials']);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('and removed 2 passkey(s)/security key(s)');
    expect(await keys.list('dave')).toEqual([]);
    expect(await keys.owner('dave-usb')).toBeUndefined();
    expect((await keys.list('bob')).map((k) => k.id)).toEqual(['bob-phone']);
  });

  it('refuses --credentials without --user', async () => {
    const res = await cli(['sessions', 'revoke', '--config', config, '--id=x', '--credentials']);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('--credentials goes with --user NAME');
  });

  it("fails with the store's reason, not a stack trace, when Redis is down", async () => {
    const down = workspaceConfig('store:\n  type: redis\n  url: "redis://127.0.0.1:9"\n');
    const res = await cli(['sessions', 'list', '--config', down, '--user', 'alice']);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^sessions: store: redis: not connected/);
    expect(res.stderr).not.toContain('    at ');
  });
});
