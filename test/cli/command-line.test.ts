// How argv is read against the command table: which words ask for help, what each mistake is
// called, and that an argument that may be a secret is never repeated.
import { describe, expect, it } from 'vitest';

import { readCommandLine } from '../../src/cli/command-line.js';
import { COMMANDS } from '../../src/cli/commands.js';

const ALL = COMMANDS.flatMap((c) => [c, ...(c.subcommands ?? [])]);
const read = (...argv: string[]) => readCommandLine(argv, {});
const problemOf = (...argv: string[]) => {
  const line = read(...argv);
  return line.kind === 'mistake' ? line.problem : `not a mistake: ${line.kind}`;
};

describe('asking for help', () => {
  it.each([[[]], [['--help']], [['-h']], [['help']]])('%j asks for the general usage', (argv) => {
    expect(read(...argv)).toEqual({ kind: 'usage' });
  });

  it.each([['--version'], ['-v']])('%s asks for the version', (flag) => {
    expect(read(flag)).toEqual({ kind: 'version' });
  });

  it.each(ALL.map((spec) => ({ name: spec.name, spec })))(
    '$name: --help, -h and help COMMAND all ask for its help',
    ({ spec }) => {
      const words = spec.name.split(' ');
      for (const argv of [
        [...words, '--help'],
        [...words, '-h'],
        ['help', ...words],
      ])
        expect(read(...argv)).toEqual({ kind: 'help', spec });
    },
  );

  it('help asked twice is help asked once', () => {
    expect(read('help', '--help')).toEqual({ kind: 'usage' });
    expect(read('help', 'check', '--help')).toMatchObject({ kind: 'help', spec: { name: 'check' } });
  });

  it('help for something that is not one command is a mistake', () => {
    expect(problemOf('help', 'nope')).toBe('unknown command: nope');
    expect(problemOf('help', 'check', 'serve')).toBe('help takes one command, not "check serve"');
  });

  it('--help wins over a mistake on the same line', () => {
    expect(read('check', '--bogus', '--help')).toMatchObject({ kind: 'help', spec: { name: 'check' } });
  });

  it('--help after "--" is an argument, not a question', () => {
    expect(problemOf('check', '--config', 'c.yaml', '--', '--help')).toBe('unexpected argument "--help"');
  });
});

describe('reading options', () => {
  it('fills defaults, and a default named by an environment variable from it', () => {
    expect(read('explain', '-c', 'c.yaml', '--url', 'https://x/')).toMatchObject({
      kind: 'run',
      values: { config: 'c.yaml', method: 'GET', ip: '127.0.0.1' },
    });
    expect(readCommandLine(['demo'], { PORT: '9000' })).toMatchObject({ kind: 'run', values: { port: '9000' } });
    expect(read('demo', '--port', '7000')).toMatchObject({ kind: 'run', values: { port: '7000' } });
  });

  it('takes a value starting with "-" only when written with "="', () => {
    expect(read('sessions', 'revoke', '-c', 'c.yaml', '--id=-x9')).toMatchObject({
      kind: 'run',
      values: { id: '-x9' },
    });
    expect(problemOf('sessions', 'revoke', '-c', 'c.yaml', '--id', '-x9')).toMatch(/^--id needs a value: --id ID/);
  });

  it('passes operands to a command that takes them, counted', () => {
    expect(read('policy-test', '-c', 'c.yaml', 'cases.yaml')).toMatchObject({ kind: 'run', operands: ['cases.yaml'] });
    expect(problemOf('policy-test', '-c', 'c.yaml')).toBe('expected CASES.yaml, got 0 argument(s)');
  });
});

describe('mistakes', () => {
  it('an unknown command, with the nearest name', () => {
    expect(read('polcy-test')).toEqual({
      kind: 'mistake',
      problem: 'unknown command: polcy-test (did you mean policy-test?)',
      spec: undefined,
    });
  });

  it('an unknown sub-command, within its command', () => {
    expect(read('sessions', 'revok')).toMatchObject({
      kind: 'mistake',
      problem: 'unknown command: revok (did you mean revoke?)',
      spec: { name: 'sessions' },
    });
  });

  it('a command with sub-commands, and none named', () => {
    expect(problemOf('sessions')).toBe('say which: list or revoke');
  });

  it('an option before the command', () => {
    expect(problemOf('--config', 'c.yaml', 'check')).toBe('unknown option "--config" before the command');
  });

  it('an option the command does not take', () => {
    expect(problemOf('serve', '--config', 'c.yaml', '--port', '80')).toBe('unknown option: --port');
  });

  it('a required option left out', () => {
    expect(problemOf('policy-diff', '--config', 'c.yaml', '--old', 'a/')).toBe('--new NEW is required');
  });

  it('an argument to hash-password, which is not repeated: it may be the password', () => {
    for (const argv of [['hunter2hunter2'], ['--password=hunter2hunter2']]) {
      const problem = problemOf('hash-password', ...argv);
      expect(problem).toContain('takes no arguments');
      expect(problem).not.toContain('hunter2');
    }
  });
});

describe('flags', () => {
  it('reads a flag as present, and its absence as absent', () => {
    const on = read('delivery', 'stats', '--config', 'c.yaml', '--json');
    const off = read('delivery', 'stats', '--config', 'c.yaml');
    expect(on.kind === 'run' && on.values.json).toBe('true');
    expect(off.kind === 'run' && off.values.json).toBeUndefined();
  });

  it('refuses a value given to a flag', () => {
    expect(problemOf('delivery', 'stats', '--config', 'c.yaml', '--json=yes')).toBe('--json takes no value');
  });
});
