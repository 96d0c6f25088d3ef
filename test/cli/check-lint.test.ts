// `otp-gate check` shows the policy lint: shadowed rules and risky overlaps as warnings (still
// OK), and rules that cannot apply as written (users on a bypass, unknown channels) as errors.
import { describe, expect, it } from 'vitest';

import { cli, workspace } from './run-cli.js';

const check = (policy: string) =>
  cli(['check', '--config', 'config.yaml'], workspace({ 'policies/main.yaml': policy }));

describe('otp-gate check: policy lint', () => {
  it('warns at file:line:col about a rule an earlier rule shadows, and still passes', async () => {
    const res = await check(`rules:
  - name: admin
    paths: ["/admin/**"]
    action: challenge
    groups: [admins]
  - name: admin-users
    paths: ["/admin/users/**"]
    action: bypass
`);
    expect(res.code).toBe(0);
    expect(res.stderr).toBe(
      'policies/main.yaml:6:5: warning: rule "admin-users" is never reached: rule "admin" (policies/main.yaml:2:5) before it matches every request this one does (rules[1])\n',
    );
    expect(res.stdout).toContain('OK');
  });

  it('warns when a looser rule before a stricter one decides their overlap', async () => {
    const res = await check(`rules:
  - name: scripts
    paths: ["/**/*.js"]
    action: bypass
  - name: admin
    paths: ["/admin/**"]
    action: challenge
`);
    expect(res.stderr).toBe(
      'policies/main.yaml:5:5: warning: order matters: rule "admin" (challenge) and rule "scripts" (bypass, policies/main.yaml:2:5) both match e.g. GET /admin/x.js; the earlier "scripts" decides, so bypass wins there (rules[1])\n',
    );
  });

  it('a bypass rule with groups is an error: it would let everyone through', async () => {
    const res = await check('rules:\n  - paths: ["/public/**"]\n    action: bypass\n    groups: [staff]\n');
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(
      'policies/main.yaml:2:5: users/groups apply only to challenge rules: a bypass rule lets everyone through without signing in (rules[0].groups)',
    );
  });

  it('a channel that is not configured is an error naming the configured ones', async () => {
    const res = await check('rules:\n  - action: challenge\n    channels: [whatsapp]\n');
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(
      'policies/main.yaml:2:5: channel "whatsapp" is not configured (configured: console) (rules[0].channels[0])',
    );
  });
});
