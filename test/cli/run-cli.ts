// Runs the otp-gate command line the way a person does (tsx, a real process) in a folder of
// config, users and policy files, for tests that assert what the commands print.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { configText, SECRET_FROM_ENV } from '../helpers/config-text.js';
import { gateFolder, TEST_SECRET } from '../helpers/gate.js';

const run = promisify(execFile);
export const REPO = join(import.meta.dirname, '..', '..');
const CLI = join(REPO, 'src', 'cli.ts');
const TSX = join(REPO, 'node_modules', '.bin', 'tsx');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `otp-gate ARGS` in cwd with SESSION_SECRET set; `env` adds to or (with undefined) removes from it;
 * `input`, when given, is piped to standard input.
 */
export async function cli(
  args: string[],
  cwd: string,
  env: Record<string, string | undefined> = {},
  input?: string,
): Promise<CliResult> {
  try {
    const pending = run(TSX, [CLI, ...args], { cwd, env: { ...process.env, SESSION_SECRET: TEST_SECRET, ...env } });
    if (input !== undefined) pending.child.stdin?.end(input);
    const { stdout, stderr } = await pending;
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

export const CONFIG = `${configText({ upstream: 'http://127.0.0.1:9', secret: SECRET_FROM_ENV })}channels:\n  console: {}\n`;

/** A temp folder with config.yaml, users.yaml, policies/main.yaml and any other files given. */
export function workspace(files: Record<string, string> = {}): string {
  return gateFolder({ 'config.yaml': CONFIG, ...files });
}
