// The bench's table: one row per scenario, figures formatted alike by every bench.
import type { Measured } from './alternate.js';
import type { LoadResult } from './load.js';

export type Row = string[];

export const HEADER = ['scenario', 'req/s', 'p50 / p99 ms', 'CPU µs/req', 'ratio', 'notes'];

export const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
export const verdict = (met: boolean) => (met ? 'met' : 'MISSED');
export const latency = (r: LoadResult) => `${fmt(r.p50, 1)} / ${fmt(r.p99, 1)}`;
export const cpu = (r: LoadResult) => (Number.isNaN(r.cpuMicrosPerRequest) ? '' : fmt(r.cpuMicrosPerRequest!));
/** Every answer must be the one the scenario means to measure (a 403 is cheap and proves nothing). */
export const failures = (r: LoadResult) =>
  r.non2xx || r.errors ? `${fmt(r.non2xx)} non-2xx, ${fmt(r.errors)} errors! ` : '';
/** The lowest and highest CPU µs/req of the rounds: how far one round's figure may be trusted. */
export const spread = (r: Measured) => {
  const xs = r.runs.map((x) => x.cpuMicrosPerRequest ?? Number.NaN);
  return r.runs.length > 1 ? `CPU ${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))} over ${r.runs.length} rounds; ` : '';
};

export function baselineRow(name: string, r: Measured): Row {
  return [name, fmt(r.rps), latency(r), cpu(r), '1.00×', `${failures(r)}${spread(r)}`.trimEnd()];
}

export function printTable(rows: readonly Row[]): void {
  const widths = HEADER.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  console.log(line(HEADER));
  for (const r of rows) console.log(line(r));
}
