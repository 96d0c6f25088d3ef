// `otp-gate sessions list|revoke` against the configured Redis, and `check` on `workers`.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadGate } from '../../src/config/load-gate.js';
import type { Sessions } from '../../src/session/sessions.js';
import { createSessions } from '../../src/session/sessions.js';
import { createSigner } from '../../src/session/signer.js';
import { createTrustedDevices } from '../../src/session/trusted-devices.js';
import { systemClock } from '../../src/shared/clock.js';
import { createStore } from '../../src/store/create-store.js';
import type { Store } from '../../src/store/store.js';
import { DEFAULT_POLICY, DEFAULT_USERS, TEST_SECRET } from '../helpers/gate.js';
import type { TestRedis } from '../helpers/redis-server.js';
import { REDIS_INSTALL, REDIS_SERVER, startRedis } from '../helpers/redis-server.js';
import { describeWithBinary } from '../helpers/system-binary.js';

const run = promisify(execFile);
const CLI = join(import.meta.dirname, '..', '..', 'src', 'cli.ts');
const TSX = join(import.meta.dirname, '..', '..', 'node_modules', '.bin', 'tsx');

async function cli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(TSX, [CLI, ...args], {
      env: { ...process.env, SESSION_SECRET: TEST_SECRET, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** A config file; `extra` is appended (top-level sections), `server` goes under server:. Returns its path. */
function workspace(extra: string, server = ''): string {
  const dir = mkdtempSync(join(tmpdir(), 'otp-gate-sessions-cli-'));
  mkdirSync(join(dir, 'policies'));
  writeFileSync(join(dir, 'users.yaml'), DEFAULT_USERS);
  writeFileSync(join(dir, 'policies', 'main.yaml'), DEFAULT_POLICY);
  const config = [
    'server:',
    '  listen: "127.0.0.1:0"',
    ...(server ? [server] : []),
    'apps:',
    '  - host: wiki.example.com',
    '    upstream: "http://127.0.0.1:9"',
    'session:',
    '  secrets: ["${SESSION_SECRET}"]',
    'directory:',
    '  file: users.yaml',
    'policies: [policies/]',
    extra,
  ].join('\n');
  writeFileSync(join(dir, 'config.yaml'), config);
  return join(dir, 'config.yaml');
}

describe('otp-gate check on workers', () => {
  it('reports workers on the memory store at its line and column, and starts nothing', async () => {
    const config = workspace('', '  workers: 4');
    const res = await cli(['check', '--config', config]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('config.yaml:3:12: workers: 4 needs store type "redis"');
    expect(res.stderr).toContain('(server.workers)');
  });

  it('refuses the sessions command on the memory store, which only the gate process can see', async () => {
    const res = await cli(['sessions', 'list', '--config', workspace(''), '--user', 'alice']);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('only a redis store can be managed');
  });

  it('explains its usage when asked to revoke by both user and id', async () => {
    const res = await cli(['sessions', 'revoke', '--config', workspace(''), '--user', 'alice', '--id', 'x']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('exactly one of --user NAME or --id ID');
  });
});

describeWithBinary('otp-gate sessions', REDIS_SERVER, REDIS_INSTALL, (binary) => {
  let redis: TestRedis;
  let config: string;
  let store: Store;
  let sessions: Sessions;
  beforeAll(async () => {
    redis = await startRedis(binary);
    config = workspace(`store:\n  type: redis\n  url: "${redis.url}"\n  key_prefix: "cli:"\n`);
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
    await redis?.stop();
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
    expect(res.stdout).toMatch(/revoked [1-9]\d* session\(s\) and 0 trusted browser\(s\) of alice/);
    expect(await sessions.resolve(a.cookie)).toBeUndefined();
    expect(await sessions.resolve(b.cookie)).toBeUndefined();
    const listed = await cli(['sessions', 'list', '--config', config, '--user', 'alice']);
    expect(listed.stdout).toBe('no sessions for alice\n');
  });

  it("revoking a user forgets the browsers they trusted, leaving other users' trust", async () => {
    const devices = createTrustedDevices({ store, signer: createSigner([TEST_SECRET]), clock: systemClock });
    const carol = await devices.trust('carol', 86_400_000);
    const bob = await devices.trust('bob', 86_400_000);
    const res = await cli(['sessions', 'revoke', '--config', config, '--user', 'carol']);
    expect(res.stdout).toContain('and 1 trusted browser(s) of carol');
    expect(await devices.resolve(carol)).toBeUndefined();
    expect(await devices.resolve(bob)).toMatchObject({ user: 'bob' });
  });

  it("fails with the store's reason, not a stack trace, when Redis is down", async () => {
    const down = workspace('store:\n  type: redis\n  url: "redis://127.0.0.1:9"\n');
    const res = await cli(['sessions', 'list', '--config', down, '--user', 'alice']);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^sessions: store: redis: not connected/);
    expect(res.stderr).not.toContain('    at ');
  });
});
