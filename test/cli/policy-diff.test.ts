// `otp-gate policy-diff`: every request whose decision changes between two policy versions,
// what opens listed first; "no decision changes" and exit 0 when nothing does.
import { describe, expect, it } from 'vitest';

import { DEFAULT_POLICY } from '../helpers/gate.js';
import { cli, workspace } from './run-cli.js';

const OPENED = DEFAULT_POLICY.replace('groups: [admins]', 'groups: [admins, contractors]');
const REQUESTS = `# method url [ip] [user]
GET https://wiki.example.com/admin/users
GET https://wiki.example.com/admin/users - bob
GET https://wiki.example.com/wiki/Home
`;

function diff(files: Record<string, string>, ...extra: string[]) {
  return cli(
    ['policy-diff', '--config', 'config.yaml', '--old', 'policies/', '--new', 'policies-new/', ...extra],
    workspace(files),
  );
}

describe('otp-gate policy-diff', () => {
  it('a change that opens /admin/** to a new group is reported as OPENS with the requests it affects', async () => {
    const res = await diff(
      { 'policies-new/main.yaml': OPENED, 'requests.txt': REQUESTS },
      '--requests',
      'requests.txt',
    );
    expect([res.code, res.stderr]).toEqual([1, '']);
    expect(res.stdout.split('\n')).toEqual([
      'compared 3 request(s): old policies/ → new policies-new/',
      '',
      'OPENS  old  challenge by "admin": factors otp; channels console; session lifetime 12h; admits groups [admins] [policies/main.yaml:9:5]',
      '       new  challenge by "admin": factors otp; channels console; session lifetime 12h; admits groups [admins, contractors] [policies-new/main.yaml:9:5]',
      '       +    now admits groups [contractors]',
      '       2 request(s):',
      '         GET https://wiki.example.com/admin/users from 127.0.0.1 without a session',
      '         GET https://wiki.example.com/admin/users from 127.0.0.1 as bob (session 0s old)',
      '',
      '2 decision change(s): 2 open, 0 close, 0 open and close, 0 other, 0 same effect by another rule',
      '',
    ]);
  });

  it('identical policies print "no decision changes" and exit 0', async () => {
    const res = await diff(
      { 'policies-new/main.yaml': DEFAULT_POLICY, 'requests.txt': REQUESTS },
      '--requests',
      'requests.txt',
    );
    expect([res.code, res.stdout]).toEqual([
      0,
      'compared 3 request(s): old policies/ → new policies-new/\nno decision changes\n',
    ]);
  });

  it('a rule that now denies is reported as CLOSES', async () => {
    const closed = DEFAULT_POLICY.replace(
      'paths: ["/public/**"]\n    action: bypass',
      'paths: ["/public/**"]\n    action: deny',
    );
    const res = await diff(
      { 'policies-new/main.yaml': closed, 'requests.txt': 'GET https://wiki.example.com/public/a.css\n' },
      '--requests',
      'requests.txt',
    );
    expect(res.code).toBe(1);
    expect(res.stdout).toContain(
      'CLOSES old  bypass by "public": forwarded without a session [policies/main.yaml:3:5]\n       new  deny by "public" [policies-new/main.yaml:3:5]\n       -    bypass → deny: refused\n',
    );
  });

  it('opening changes are listed before closing ones', async () => {
    const both = OPENED.replace('paths: ["/public/**"]\n    action: bypass', 'paths: ["/public/**"]\n    action: deny');
    const res = await diff(
      {
        'policies-new/main.yaml': both,
        'requests.txt': 'GET https://wiki.example.com/public/a\nGET https://wiki.example.com/admin\n',
      },
      '--requests',
      'requests.txt',
    );
    expect(
      res.stdout
        .split('\n')
        .filter((l) => /^(OPENS|CLOSES)/.test(l))
        .map((l) => l.slice(0, 6)),
    ).toEqual(['OPENS ', 'CLOSES']);
  });

  it('compares the requests of a policy test cases file, with their users and session ages', async () => {
    const cases = 'cases:\n  - request: { url: "https://wiki.example.com/admin/", user: bob, session_age: 5m }\n';
    const res = await diff({ 'policies-new/main.yaml': OPENED, 'cases.yaml': cases }, '--cases', 'cases.yaml');
    expect(res.stdout).toContain(
      '         GET https://wiki.example.com/admin/ from 127.0.0.1 as bob (session 5m old)\n',
    );
  });

  it('reads audit log lines, skipping those that name no request', async () => {
    const audit = [
      '{"time":"2026-11-23T10:00:00.000Z","audit":true,"event":"denied","user":"bob","ip":"203.0.113.9","rule":"admin","outcome":"refused","host":"wiki.example.com","path":"/admin/settings"}',
      '{"time":"2026-11-23T10:00:01.000Z","audit":true,"event":"code_sent","user":"bob","ip":"203.0.113.9","outcome":"ok"}',
    ].join('\n');
    const res = await diff({ 'policies-new/main.yaml': OPENED, 'audit.log': audit }, '--requests', 'audit.log');
    expect(res.stdout).toContain('compared 1 request(s)');
    expect(res.stdout).toContain(
      '         GET https://wiki.example.com/admin/settings from 203.0.113.9 as bob (session 0s old)\n',
    );
  });

  it('a bad requests line is named at file:line:col and nothing is compared (exit 2)', async () => {
    const res = await diff(
      {
        'policies-new/main.yaml': OPENED,
        'requests.txt': 'GET https://wiki.example.com/\nGET https://wiki.example.com/ 10.0.0.300\n',
      },
      '--requests',
      'requests.txt',
    );
    expect([res.code, res.stdout, res.stderr]).toEqual([
      2,
      '',
      'requests.txt:2:31: "10.0.0.300" is not an IP address\n1 error(s); nothing was compared.\n',
    ]);
  });

  it('a new policy with an error is reported at its line and nothing is compared (exit 2)', async () => {
    const res = await diff(
      { 'policies-new/main.yaml': 'rules:\n  - action: allow\n', 'requests.txt': REQUESTS },
      '--requests',
      'requests.txt',
    );
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/^policies-new\/main\.yaml:2:13: /);
  });

  it('a missing --old folder is named', async () => {
    const res = await cli(
      ['policy-diff', '--config', 'config.yaml', '--old', 'gone/', '--new', 'policies/', '--requests', 'r.txt'],
      workspace({ 'r.txt': REQUESTS }),
    );
    expect([res.code, res.stderr]).toEqual([
      2,
      '--old: policy file or folder "gone/" not found\n1 error(s); nothing was compared.\n',
    ]);
  });

  it('without requests to compare it prints usage and exits 2', async () => {
    const res = await diff({});
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(
      /^policy-diff: give the requests to compare with --cases CASES.yaml and\/or --requests FILE\nusage:/,
    );
  });
});
