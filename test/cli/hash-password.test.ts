// `otp-gate hash-password` through the real command line, with the password piped in.
import { beforeAll, describe, expect, it } from 'vitest';

import { verifyPassword } from '../../src/directory/password-hash.js';
import type { CliResult } from './run-cli.js';
import { cli, REPO } from './run-cli.js';

const PASSWORD = 'correct horse battery staple';
const hashPassword = (input: string, args: string[] = []) => cli(['hash-password', ...args], REPO, {}, input);

describe('otp-gate hash-password', () => {
  let piped: CliResult;
  beforeAll(async () => {
    piped = await hashPassword(`${PASSWORD}\nsecond line\n`);
  });

  it('prints the hash line on stdout and nothing else anywhere', () => {
    expect(piped.code).toBe(0);
    expect(piped.stdout).toMatch(/^\$scrypt\$ln=17,r=8,p=1\$[^$\s]+\$[^$\s]+\n$/);
    expect(piped.stderr).toBe('');
  });

  it('the printed hash verifies the first line of the piped input', async () => {
    expect(await verifyPassword(piped.stdout.trim(), PASSWORD)).toBe(true);
  });

  it('refuses a password under 8 characters with exit 2', async () => {
    const res = await hashPassword('short12\n');
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('the password is shorter than 8 characters (the NIST SP 800-63B minimum)');
    expect(res.stderr).not.toContain('short12');
    expect(res.stdout).toBe('');
  });

  it('refuses empty input with exit 2', async () => {
    const res = await hashPassword('');
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('the password is empty');
    expect(res.stdout).toBe('');
  });

  it('refuses a password given as an argument without repeating it', async () => {
    const res = await hashPassword('', [PASSWORD]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('takes no arguments');
    expect(res.stderr).not.toContain(PASSWORD);
    expect(res.stdout).toBe('');
  });
});
