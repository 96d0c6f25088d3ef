// What the tests of more factors share: a password, its hash in a users file, and the issue's
// admin rule (password then a code, asked again after 10 minutes).
import { hashPassword } from '../../src/directory/password-hash.js';

export const PASSWORD = 'correct horse battery staple';

/** Made once per test file: a real scrypt hash the gate reads like any other. */
export const PASSWORD_HASH = await hashPassword(PASSWORD);

/** The /admin/** rule as a policy's first rule, with more options for it indented by four. */
export function adminRule(more = ''): string {
  return `  - name: admin
    paths: ["/admin/**"]
    action: challenge
    factors: [password, otp]
    max_session_age: 10m
${more}`;
}
