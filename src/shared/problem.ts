// A problem found in a config, policy or users file, with where it is, so people can act on it.
export interface Problem {
  /** Path of the file as given (relative paths stay relative for readable messages). */
  file: string;
  /** 1-based; 0 when the problem is not tied to a line (a missing file). */
  line: number;
  /** 1-based; 0 when unknown. */
  col: number;
  /** Option path, e.g. "session.secrets[0]" or "rules[2].paths"; "" for the whole file. */
  path: string;
  message: string;
  severity: 'error' | 'warning';
}

/** `file:line:col: message (path)`, the format `check` prints and editors can jump to. */
export function formatProblem(p: Problem): string {
  const where = p.line > 0 ? `${p.file}:${p.line}:${p.col}` : p.file;
  const label = p.severity === 'warning' ? 'warning: ' : '';
  const option = p.path ? ` (${p.path})` : '';
  return `${where}: ${label}${p.message}${option}`;
}

/** Thrown when a file set cannot be loaded; carries every problem found, not just the first. */
export class ConfigError extends Error {
  constructor(readonly problems: Problem[]) {
    super(`configuration has ${problems.length} problem(s):\n` + problems.map(formatProblem).join('\n'));
    this.name = 'ConfigError';
  }
}
