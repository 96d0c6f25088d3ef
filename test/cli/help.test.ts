// The command line as a person meets it first: --help, --version, and what a typo gets. Run as
// real processes, since exit codes and what reaches the terminal are the point; the ways of
// asking for the same thing are pinned in command-line.test.ts.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import type { CommandSpec } from '../../src/cli/commands.js';
import { COMMANDS } from '../../src/cli/commands.js';
import { cli, REPO } from './run-cli.js';

const ALL: CommandSpec[] = COMMANDS.flatMap((c) => [c, ...(c.subcommands ?? [])]);

describe('otp-gate', () => {
  it('--help lists every command with its summary and exits 0', async () => {
    const res = await cli(['--help'], REPO);
    expect(res.code).toBe(0);
    const lines = res.stdout.split('\n').map((l) => l.trim().replace(/ +/g, ' '));
    for (const c of COMMANDS) expect(lines).toContain(`${c.name} ${c.summary}`);
  });

  it('--version prints the version in package.json and exits 0', async () => {
    const { version } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
    const res = await cli(['--version'], REPO);
    expect([res.code, res.stdout, res.stderr]).toEqual([0, `${version}\n`, '']);
  });
});

describe.concurrent.each(ALL.map((spec) => ({ name: spec.name, spec })))('otp-gate $name --help', ({ spec }) => {
  it('prints what it does, each option and an example, and exits 0', async () => {
    const res = await cli([...spec.name.split(' '), '--help'], REPO);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(`otp-gate ${spec.name}: ${spec.summary}`);
    for (const option of spec.options) expect(res.stdout).toContain(`--${option.name} ${option.value}`);
    expect(res.stdout).toContain(`\n  ${spec.examples[0]}\n`);
  });
});

describe('otp-gate demo --help', () => {
  it('prints help and exits without starting the demo', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(REPO, 'src', 'cli.ts'), 'demo', '--port', '0', '--help'],
      { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    // A demo that starts would run until stopped: give it a generous while, then stop it.
    const guard = setTimeout(() => child.kill('SIGTERM'), 10_000);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    clearTimeout(guard);
    expect(code).toBe(0);
    expect(out).toContain('otp-gate demo: run on embedded defaults');
    expect(out).not.toContain('is running');
  });
});

describe('mistakes on the command line exit 2 and say what to do', () => {
  it('an unknown command is named, with the nearest one and where the list is', async () => {
    const res = await cli(['serv'], REPO);
    expect(res.code).toBe(2);
    expect(res.stderr).toBe(
      "otp-gate: unknown command: serv (did you mean serve?)\nRun 'otp-gate --help' for the list of commands.\n",
    );
  });

  it("an unknown option is named, with the command's usage", async () => {
    const res = await cli(['check', '--config', 'config.yaml', '--verbose'], REPO);
    expect(res.code).toBe(2);
    expect(res.stderr).toBe(
      "check: unknown option: --verbose\nusage:\n  otp-gate check --config FILE\nRun 'otp-gate help check' for its options and an example.\n",
    );
  });
});
