// `otp-gate users list|remove|promote` against the Redis two gates share (issue 21): people enrol
// through one gate over real HTTP, the command sees them, and removing one ends their sessions on
// both gates.
import { join } from 'node:path';

import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadUsersFile } from '../../src/directory/users-file.js';
import { cli as runCli } from '../cli/run-cli.js';
import { sessionCookie } from '../helpers/browser.js';
import type { TestGate } from '../helpers/gate.js';
import { startTestGate, TEST_SECRET } from '../helpers/gate.js';
import { redisStoreSection } from '../helpers/redis-gate.js';
import { REDIS_INSTALL, REDIS_SERVER, useRedis } from '../helpers/redis-server.js';
import { describeWithBinary } from '../helpers/system-binary.js';
import type { TestUpstream } from '../helpers/upstream.js';
import { startUpstream } from '../helpers/upstream.js';
import { enrol } from './enrol-flow.js';
import { ENROL_POLICY } from './enrol-policy.js';

describeWithBinary('otp-gate users', REDIS_SERVER, REDIS_INSTALL, (binary) => {
  const redis = useRedis(binary);
  let upstream: TestUpstream;
  let a: TestGate;
  let b: TestGate;
  beforeAll(async () => {
    upstream = await startUpstream();
    const options = {
      upstream: upstream.url,
      policy: ENROL_POLICY,
      // Every request asks the store, so a removal is seen at the next request.
      session: `secrets: ["${TEST_SECRET}"]\nverified_cache: 0s`,
      extraConfig: redisStoreSection(redis.url),
    };
    [a, b] = [await startTestGate(options), await startTestGate(options)];
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await upstream?.close();
  });

  const cli = (...args: string[]) => runCli([...args, '--config', join(a.dir, 'config.yaml')], a.dir);
  const status = async (gate: TestGate, cookie: string) =>
    (await request(gate.url).get('/guest/x').set('Cookie', cookie).set('Accept', 'application/json')).status;

  // Each command is a real process started through tsx, which takes seconds on a busy machine.
  describe('after two people enrolled through one gate', { timeout: 90_000 }, () => {
    let giulia: string;
    beforeAll(async () => {
      giulia = sessionCookie(await enrol(a, '+39 333 123 4567', 'Giulia Rossi'));
      await enrol(a, '+39 333 987 6543', '');
    });

    it('lists them with masked numbers, names, groups and sign-in times', async () => {
      const res = await cli('users', 'list');
      expect(res.code).toBe(0);
      const lines = res.stdout.trim().split('\n');
      expect(lines[0]).toMatch(/^NUMBER\s+NAME\s+GROUPS\s+FIRST SIGN-IN\s+LAST SIGN-IN\s+USER$/);
      expect(lines[1]).toMatch(
        /^\+39 ••• ••• 4567\s+Giulia Rossi\s+guests\s+\d{4}-\d\d-\d\dT\S+\s+\d{4}-\d\d-\d\dT\S+\s+-$/,
      );
      expect(lines[2]).toMatch(/^\+39 ••• ••• 6543\s+-\s+guests\s/);
      expect(res.stdout).not.toContain('1234567');
    });

    it('lists them as JSON with --json, and with whole numbers only when asked', async () => {
      const masked = JSON.parse((await cli('users', 'list', '--json')).stdout) as Array<Record<string, unknown>>;
      expect(masked.map((p) => [p.number, p.name, p.groups, p.user])).toEqual([
        ['+39 ••• ••• 4567', 'Giulia Rossi', ['guests'], null],
        ['+39 ••• ••• 6543', null, ['guests'], null],
      ]);
      const whole = JSON.parse((await cli('users', 'list', '--json', '--show-numbers')).stdout) as Array<{
        number: string;
      }>;
      expect(whole.map((p) => p.number)).toEqual(['+393331234567', '+393339876543']);
    });

    it('prints a users-file entry for a promotion that loads as that user with the same phone, name and groups', async () => {
      const res = await cli('users', 'promote', '--id', 'giulia', '+39 333 123 4567');
      expect(res.code).toBe(0);
      const loaded = loadUsersFile('users.yaml', `users:\n${res.stdout}`, { defaultCountry: undefined, env: {} });
      expect(loaded.problems).toEqual([]);
      expect(loaded.directory!.find('giulia')).toMatchObject({
        name: 'Giulia Rossi',
        phone: '+393331234567',
        groups: ['guests'],
      });
    });

    it('refuses to promote to a username the users file already has', async () => {
      const res = await cli('users', 'promote', '--id', 'alice', '+393331234567');
      expect(res.code).toBe(1);
      expect(res.stderr).toContain('"alice" is a user in the users file already');
    });

    it('removes a person, whose session then ends on both gates', async () => {
      expect([await status(a, giulia), await status(b, giulia)]).toEqual([200, 200]);
      const res = await cli('users', 'remove', '+39 333 123 4567');
      expect(res.code).toBe(0);
      expect(res.stdout).toBe('removed +39 ••• ••• 4567: ended 1 session(s) and 0 trusted browser(s)\n');
      // Audited (on stderr, as audit.file is "-") by the masked number only.
      expect(res.stderr).toMatch(/"event":"person_removed","user":"\+39 ••• ••• 4567"/);
      expect(res.stderr).not.toMatch(/3331234567|333 123 4567/);
      expect([await status(a, giulia), await status(b, giulia)]).toEqual([401, 401]);
    });

    it('no longer lists a removed person', async () => {
      expect((await cli('users', 'list')).stdout).not.toContain('4567');
    });

    it('says so when nobody is enrolled with the number', async () => {
      const res = await cli('users', 'remove', '+39 333 555 0000');
      expect(res.code).toBe(1);
      expect(res.stderr).toBe('users: nobody is enrolled with the number +39 ••• ••• 0000\n');
    });
  });

  it('a person enrolled through one gate is signed in on the other', async () => {
    const cookie = sessionCookie(await enrol(a, '+39 347 000 0000', 'Ada'));
    const res = await request(b.url).get('/guest/y').set('Cookie', cookie).set('Accept', 'application/json');
    expect(res.status).toBe(200);
    expect(res.body.headers['remote-name']).toBe('Ada');
  });
});

describe('otp-gate users on the memory store', () => {
  it('refuses, as the memory store lives inside the gate process', async () => {
    const upstream = await startUpstream();
    const gate = await startTestGate({ upstream: upstream.url, policy: ENROL_POLICY });
    try {
      const res = await runCli(['users', 'list', '--config', join(gate.dir, 'config.yaml')], gate.dir);
      expect(res.code).toBe(1);
      expect(res.stderr).toContain('only a redis store can be managed');
    } finally {
      await gate.close();
      await upstream.close();
    }
  });
});
