// Durations as people write them in config and policies ("30s", "5m", "12h", "7d", "1h30m",
// "300ms"), to milliseconds and back. A bare number is refused: "30" could mean seconds or minutes.

const UNITS = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1_000],
  ['ms', 1],
] as const;

// Units largest first, each at most once, so "1h30m" reads one way only and "30m1h" is a typo.
// "ms" (for short provider deadlines and tests) comes last; "m" never swallows its "m".
const DURATION = /^(?=\d)(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$/;

/** The pattern as text, for JSON Schema `pattern` so editors flag bad durations too. */
export const DURATION_PATTERN = DURATION.source;

/** Milliseconds, or undefined when the text is not a duration (or too large to count exactly). */
export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text);
  if (!m) return undefined;
  let total = 0;
  for (let i = 0; i < UNITS.length; i++) {
    const digits = m[i + 1];
    if (digits !== undefined) total += Number(digits) * UNITS[i]![1];
  }
  return Number.isSafeInteger(total) ? total : undefined;
}

/** The shortest text parseDuration reads back as ms (whole seconds); "0s" for zero. */
export function formatDuration(ms: number): string {
  let rest = Math.round(ms / 1000) * 1000;
  if (rest <= 0) return '0s';
  let out = '';
  for (const [unit, size] of UNITS) {
    if (unit === 'ms') continue;
    const count = Math.floor(rest / size);
    if (count > 0) out += `${count}${unit}`;
    rest -= count * size;
  }
  return out;
}
