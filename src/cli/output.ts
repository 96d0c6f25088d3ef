// How commands talk to a person: problems as file:line:col lines on stderr, an exit code that scripts can use.
import type { Problem } from '../shared/problem.js';
import { ConfigError, formatProblem } from '../shared/problem.js';

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export function printProblems(problems: readonly Problem[], stream: NodeJS.WritableStream = process.stderr): void {
  for (const p of problems) stream.write(formatProblem(p) + '\n');
}

/** A command line that names a command but asks it something it cannot do: exit 2 with its usage. */
export class UsageError extends Error {}

/**
 * Runs a command body, turning a ConfigError into its problem list and exit code 1; `outcome` says
 * what the errors stopped ("nothing was started" only for commands that start something).
 */
export async function reportingConfigErrors(
  body: () => Promise<number>,
  outcome = 'nothing was started',
): Promise<number> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof ConfigError) {
      printProblems(err.problems);
      const errors = err.problems.filter((p) => p.severity === 'error').length;
      process.stderr.write(`${errors} error(s); ${outcome}.\n`);
      return EXIT.failed;
    }
    throw err;
  }
}

/**
 * Resolves as starting does; when it fails, the process ends within a second even if something
 * opened before the failure (a store connection, a timer) was missed by the code that opened
 * it: a gate that did not start must never linger as a live process.
 */
export async function exitingIfStartFails<T>(starting: Promise<T>): Promise<T> {
  try {
    return await starting;
  } catch (err) {
    setTimeout(() => process.exit(EXIT.failed), 1_000).unref();
    throw err;
  }
}

/** Columns padded to their widest cell, two spaces apart, one line per row after the header. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd() + '\n';
  return [header, ...rows].map(line).join('');
}
