// Reads the otp-gate command line against the command table: which command, its options (with
// their defaults) and operands, or a request for help, or what is wrong. Pure: argv in, a value out.
import { parseArgs } from 'node:util';

import { closest } from '../shared/zod-issues.js';
import type { CommandSpec } from './commands.js';
import { COMMANDS } from './commands.js';

export type CommandLine =
  | { kind: 'usage' }
  | { kind: 'version' }
  | { kind: 'help'; spec: CommandSpec }
  | { kind: 'run'; spec: CommandSpec; values: Record<string, string | undefined>; operands: string[] }
  /** `spec` is the command the mistake was made in, when one was named. */
  | { kind: 'mistake'; problem: string; spec?: CommandSpec };

export function readCommandLine(argv: readonly string[], env: NodeJS.ProcessEnv): CommandLine {
  const [first, ...afterFirst] = argv;
  if (first === undefined || first === '--help' || first === '-h') return { kind: 'usage' };
  if (first === '--version' || first === '-v') return { kind: 'version' };
  if (first === 'help') return helpFor(afterFirst);
  if (first.startsWith('-')) return { kind: 'mistake', problem: `unknown option "${first}" before the command` };
  const { spec, rest: args, problem } = findCommand(argv);
  // A command with sub-commands, asked for help before naming one, gives its own help.
  if (spec && wantsHelp(args)) return { kind: 'help', spec };
  if (problem !== undefined || !spec) return { kind: 'mistake', problem: problem!, spec };
  return readOptions(spec, args, env);
}

/** `otp-gate help sessions list`: the help of the command those words name. */
function helpFor(words: readonly string[]): CommandLine {
  // `help check --help` asks the same as `help check`; `help --help`, the same as `help`.
  const asked = words.filter((w) => w !== '--help' && w !== '-h');
  if (asked.length === 0) return { kind: 'usage' };
  const { spec, rest, problem } = findCommand(asked);
  if (!spec || rest.length > 0)
    return { kind: 'mistake', problem: problem ?? `help takes one command, not "${asked.join(' ')}"`, spec };
  return { kind: 'help', spec };
}

interface Found {
  /** The deepest command named; undefined when the first word names none. */
  spec: CommandSpec | undefined;
  /** The words after it. */
  rest: readonly string[];
  problem?: string;
}

/** The command the leading words name, down through sub-commands. */
function findCommand(words: readonly string[]): Found {
  let choices = COMMANDS;
  let spec: CommandSpec | undefined;
  let rest = words;
  while (choices.length > 0) {
    const [word, ...after] = rest;
    const names = choices.map((c) => c.name.slice(spec ? spec.name.length + 1 : 0));
    if (word === undefined || word.startsWith('-')) return { spec, rest, problem: `say which: ${names.join(' or ')}` };
    const next = choices[names.indexOf(word)];
    if (!next) return { spec, rest, problem: unknown('command', word, names) };
    spec = next;
    rest = after;
    choices = next.subcommands ?? [];
  }
  return { spec, rest };
}

/** --help or -h anywhere before "--": help wins over any other mistake on the line. */
function wantsHelp(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

function readOptions(spec: CommandSpec, args: readonly string[], env: NodeJS.ProcessEnv): CommandLine {
  const mistake = (problem: string): CommandLine => ({ kind: 'mistake', problem, spec });
  // Not repeated: an argument to a command that reads a secret from standard input may be that secret.
  if (spec.secretArguments && args.length > 0) return mistake(`takes no arguments: ${spec.secretArguments}`);
  const declared = Object.fromEntries(
    spec.options.map((o) => [
      o.name,
      { type: o.flag ? ('boolean' as const) : ('string' as const), ...(o.short ? { short: o.short } : {}) },
    ]),
  );
  // Not strict: every token is checked here, so the messages are ours and name what was expected.
  const { tokens } = parseArgs({
    args: [...args],
    options: declared,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const values: Record<string, string | undefined> = {};
  const operands: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'positional') operands.push(token.value);
    if (token.kind !== 'option') continue;
    const option = spec.options.find((o) => o.name === token.name);
    if (!option)
      return mistake(
        unknown(
          'option',
          token.rawName,
          spec.options.map((o) => `--${o.name}`),
        ),
      );
    if (option.flag) {
      if (token.inlineValue) return mistake(`${token.rawName} takes no value`);
      values[option.name] = 'true';
      continue;
    }
    // As node's strict parser: "--config --url" is a forgotten value, not a file named "--url".
    if (token.value === undefined || (!token.inlineValue && token.value.startsWith('-'))) {
      return mistake(
        `${token.rawName} needs a value: ${token.rawName} ${option.value} (write --${option.name}=VALUE for one starting with "-")`,
      );
    }
    values[option.name] = token.value;
  }
  const expected = spec.operands ?? [];
  if (expected.length === 0 && operands.length > 0) return mistake(`unexpected argument "${operands[0]}"`);
  if (operands.length !== expected.length)
    return mistake(`expected ${expected.join(' ')}, got ${operands.length} argument(s)`);
  for (const option of spec.options) {
    values[option.name] ??= (option.env ? env[option.env] : undefined) ?? option.default;
    if (option.required && !values[option.name]) return mistake(`--${option.name} ${option.value} is required`);
  }
  return { kind: 'run', spec, values, operands };
}

function unknown(what: string, word: string, known: readonly string[]): string {
  const guess = closest(word, known);
  return `unknown ${what}: ${word}${guess ? ` (did you mean ${guess}?)` : ''}`;
}
