// The help texts, all written from the command table: the general usage, one command's help, and
// the short reminder printed after a mistake. Pure: specs in, text out.
import type { CommandSpec, OptionSpec } from './commands.js';
import { COMMANDS } from './commands.js';

const WIDTH = 100;

export function generalUsage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'otp-gate: a one-time-code challenge in front of web applications that cannot be changed',
    '',
    'usage: otp-gate COMMAND [OPTIONS]',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Run 'otp-gate help COMMAND' (or 'otp-gate COMMAND --help') for its options and an example,",
    "and 'otp-gate --version' for the version.",
    '',
  ].join('\n');
}

export function commandHelp(spec: CommandSpec): string {
  const options = [
    ...spec.options.map((o) => [optionColumn(o), optionHelp(o)] as const),
    ['-h, --help', 'print this help'] as const,
  ];
  const width = Math.max(...options.map(([left]) => left.length));
  const lines = [
    `otp-gate ${spec.name}: ${spec.summary}`,
    '',
    'usage:',
    ...spec.usage.map((u) => `  ${u}`),
    '',
    ...wrap(spec.about),
    '',
  ];
  if (spec.subcommands) {
    const names = spec.subcommands.map((s) => s.name);
    const nameWidth = Math.max(...names.map((n) => n.length));
    lines.push('commands:', ...spec.subcommands.map((s) => `  ${s.name.padEnd(nameWidth)}  ${s.summary}`), '');
    lines.push(`Run 'otp-gate ${spec.name} COMMAND --help' for a command's options.`, '');
  }
  lines.push('options:', ...options.map(([left, help]) => `  ${left.padEnd(width)}  ${help}`), '');
  lines.push(spec.examples.length > 1 ? 'examples:' : 'example:', ...spec.examples.map((e) => `  ${e}`), '');
  return lines.join('\n');
}

/** After a mistake: how the command is called, and where to read more. */
export function usageReminder(spec: CommandSpec | undefined): string {
  if (spec === undefined) return "Run 'otp-gate --help' for the list of commands.\n";
  return [
    'usage:',
    ...spec.usage.map((u) => `  ${u}`),
    `Run 'otp-gate help ${spec.name}' for its options and an example.`,
    '',
  ].join('\n');
}

function optionColumn(o: OptionSpec): string {
  return `${o.short ? `-${o.short}, ` : '    '}--${o.name}${o.flag ? '' : ` ${o.value}`}`;
}

function optionHelp(o: OptionSpec): string {
  if (o.required) return `${o.help} (required)`;
  if (o.default === undefined) return o.help;
  return `${o.help} (default: ${o.env ? `$${o.env} if set, else ` : ''}${o.default})`;
}

function wrap(text: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  return [...lines, line];
}
