// Runs the otp-gate command line the way a person does (tsx, a real process) in a folder of
// config, users and policy files, for tests that assert what the commands print.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

import { DEFAULT_POLICY, DEFAULT_USERS, TEST_SECRET } from '../helpers/gate.js';

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

export const CONFIG = `apps:
  - host: wiki.example.com
    upstream: "http://127.0.0.1:9"
session:
  secrets: ["\${SESSION_SECRET}"]
directory:
  file: users.yaml
policies: [policies/]
channels:
  console: {}
`;

/** A temp folder with config.yaml, users.yaml, policies/main.yaml and any other files given. */
export function workspace(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'otp-gate-policy-cli-'));
  const all = { 'config.yaml': CONFIG, 'users.yaml': DEFAULT_USERS, 'policies/main.yaml': DEFAULT_POLICY, ...files };
  for (const [name, text] of Object.entries(all)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}
