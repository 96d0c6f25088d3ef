// `otp-gate policy-test`: the shipped example cases pass; a failing case is shown with what was
// expected, what was decided, the deciding rule and the trace; a broken cases file is refused.
import { describe, expect, it } from 'vitest';

import { cli, REPO, workspace } from './run-cli.js';

const PASSING = `cases:
  - name: admins reach admin pages
    request: { url: "https://wiki.example.com/admin/x", user: alice, session_age: 20m }
    expect: { rule: admin, action: challenge, channels: [console], session_lifetime: 12h, outcome: pass }
  - request: { url: "https://wiki.example.com/public/a.css" }
    expect: { rule: public, outcome: pass }
`;

const FAILING = `cases:
  - name: bob reaches admin pages
    request: { url: "https://wiki.example.com/admin/x", user: bob }
    expect: { rule: admin, outcome: pass }
  - request: { url: "https://wiki.example.com/blocked/y" }
    expect: { action: deny }
`;

const TOKEN_POLICY = `rules:
  - name: api
    paths: ["/api/**"]
    action: challenge
    groups: [admins]
    tokens: [monitor]
    basic: true
  - name: admin
    paths: ["/admin/**"]
    action: challenge
    groups: [admins]
`;

const TOKEN_CASES = `cases:
  - name: the monitor's service token reaches the API
    request: { url: "https://wiki.example.com/api/health", token: monitor }
    expect: { rule: api, outcome: pass }
  - name: another service token is refused, not asked to sign in
    request: { url: "https://wiki.example.com/api/health", token: backup, groups: [ops] }
    expect: { outcome: deny }
  - name: an admin's personal token as a Basic password
    request: { url: "https://wiki.example.com/api/x", user: alice, via: basic }
    expect: { outcome: pass }
  - name: a personal token sent as Basic where the rule does not allow it
    request: { url: "https://wiki.example.com/admin/x", user: alice, via: basic }
    expect: { outcome: deny }
`;

describe('otp-gate policy-test', () => {
  it('the example cases shipped beside the example policies pass', async () => {
    const res = await cli(
      ['policy-test', '--config', 'config.example.yaml', 'policies/tests/example.cases.yaml'],
      REPO,
    );
    expect([res.code, res.stdout, res.stderr]).toEqual([0, '12 passed, 0 failed\n', '']);
  });

  it('passing cases print only the summary and exit 0', async () => {
    const dir = workspace({ 'cases.yaml': PASSING });
    const res = await cli(['policy-test', '--config', 'config.yaml', 'cases.yaml'], dir);
    expect([res.code, res.stdout]).toEqual([0, '2 passed, 0 failed\n']);
  });

  it('a failing case shows expected, decided, the deciding rule and the trace, and exits 1', async () => {
    const dir = workspace({ 'cases.yaml': FAILING });
    const res = await cli(['policy-test', '--config', 'config.yaml', 'cases.yaml'], dir);
    expect(res.code).toBe(1);
    const lines = res.stdout.split('\n');
    expect(lines.slice(0, 11)).toEqual([
      'FAIL  cases.yaml:2:5 "bob reaches admin pages"',
      '  request   GET https://wiki.example.com/admin/x from 127.0.0.1 as bob (session 0s old)',
      '  expected  rule "admin", outcome pass',
      '  decided   rule "admin", outcome deny',
      '  by        rule "admin" (policies/main.yaml:9:5), challenge → deny: signed in but not admitted by the rule',
      '  explain',
      '    host     wiki.example.com',
      '    path     /admin/x',
      '    method   GET',
      '    address  127.0.0.1',
      '',
    ]);
    // The trace is explain's own output, word for word (explain's tests pin its wording).
    expect(lines[11]).toMatch(
      /^ {4}MISS {2}rules\[0\] "public" \(policies\/main\.yaml:3:5\): path "\/admin\/x" matches none of/,
    );
    expect(lines[12]).toMatch(
      /^ {4}MISS {2}rules\[1\] "blocked" \(policies\/main\.yaml:6:5\): path "\/admin\/x" matches none of/,
    );
    expect(lines.slice(13)).toEqual([
      '    HIT   rules[2] "admin" (policies/main.yaml:9:5)',
      '    => challenge by "admin": factors otp; channels console; session lifetime 12h; admits groups [admins]',
      '    a session 0s old (factors otp) is enough for this rule',
      '    user "bob" (groups [staff]): not admitted (the rule admits groups [admins]): denied after sign-in',
      '',
      '1 passed, 1 failed',
      '',
    ]);
  });

  it('a case file with problems names each at file:line:col and runs nothing', async () => {
    const dir = workspace({
      'cases.yaml': `cases:
  - request: { url: "https://wiki.example.com/", user: zed }
    expect: { rule: admn }
  - request: { url: "wiki.example.com/" }
    expect: { outcome: pass }
`,
    });
    const res = await cli(['policy-test', '--config', 'config.yaml', 'cases.yaml'], dir);
    expect([res.code, res.stdout]).toEqual([1, '']);
    expect(res.stderr.split('\n')).toEqual([
      'cases.yaml:2:56: user "zed" is not in the users file (cases[0].request.user)',
      'cases.yaml:4:21: "wiki.example.com/" is not an absolute URL (e.g. https://wiki.example.com/admin/) (cases[1].request.url)',
      '2 error(s) in cases.yaml; no case was run.',
      '',
    ]);
  });

  it('an expectation naming a rule the policy lacks is an error with the nearest name', async () => {
    const dir = workspace({
      'cases.yaml': 'cases:\n  - request: { url: "https://wiki.example.com/" }\n    expect: { rule: admn }\n',
    });
    const res = await cli(['policy-test', '--config', 'config.yaml', 'cases.yaml'], dir);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(
      'cases.yaml:3:21: no rule is named "admn" (did you mean "admin"?) (cases[0].expect.rule)',
    );
  });

  it('an option the cases schema does not know is refused with a suggestion', async () => {
    const dir = workspace({
      'cases.yaml':
        'cases:\n  - request: { url: "https://wiki.example.com/", user: bob, sesion_age: 1h }\n    expect: { outcome: pass }\n',
    });
    const res = await cli(['policy-test', '--config', 'config.yaml', 'cases.yaml'], dir);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(
      'cases.yaml:2:61: unknown option "sesion_age" (did you mean "session_age"?) (cases[0].request.sesion_age)',
    );
  });

  it('runs cases for service tokens and personal tokens, which pass or are refused but are never asked to sign in', async () => {
    const dir = workspace({ 'policies/main.yaml': TOKEN_POLICY, 'cases.yaml': TOKEN_CASES });
    const res = await cli(['policy-test', '--config', 'config.yaml', 'cases.yaml'], dir);
    expect([res.code, res.stdout, res.stderr]).toEqual([0, '4 passed, 0 failed\n', '']);
  });

  it('a token case that also names a user is refused at its line', async () => {
    const cases =
      'cases:\n  - request: { url: "https://wiki.example.com/api/x", token: monitor, user: alice }\n    expect: { outcome: pass }\n';
    const dir = workspace({ 'policies/main.yaml': TOKEN_POLICY, 'cases.yaml': cases });
    const res = await cli(['policy-test', '--config', 'config.yaml', 'cases.yaml'], dir);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('cases.yaml:2:');
    expect(res.stderr).toContain('give a token or a user, not both');
  });

  it('a missing cases file is reported and exits 1', async () => {
    const res = await cli(['policy-test', '--config', 'config.yaml', 'nope.yaml'], workspace());
    expect([res.code, res.stderr]).toEqual([
      1,
      'nope.yaml: cannot read cases file: ENOENT\n1 error(s) in nope.yaml; no case was run.\n',
    ]);
  });

  it('without a cases file it prints usage and exits 2', async () => {
    const res = await cli(['policy-test', '--config', 'config.yaml'], workspace());
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/^policy-test: expected CASES.yaml, got 0 argument\(s\)\nusage:/);
  });
});
