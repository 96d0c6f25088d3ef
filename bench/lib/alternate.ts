// Contenders measured in turn, round after round, so drift on a shared machine falls on all of
// them alike; each warmed up first.
import type { LoadOptions, LoadResult } from './load.js';
import { load } from './load.js';

export interface Contender extends Omit<LoadOptions, 'connections' | 'seconds'> {
  name: string;
}

export interface Rounds {
  connections: number;
  seconds: number;
  rounds: number;
}

/** Figures averaged over the rounds, with each round's own result for the spread. */
export interface Measured extends LoadResult {
  runs: LoadResult[];
}

export async function alternate(contenders: Contender[], options: Rounds): Promise<Map<string, Measured>> {
  const runs = new Map<string, LoadResult[]>(contenders.map((c) => [c.name, []]));
  for (const c of contenders) await load({ ...c, connections: options.connections, seconds: 2 });
  for (let r = 0; r < options.rounds; r++) {
    for (const c of contenders)
      runs.get(c.name)!.push(await load({ ...c, connections: options.connections, seconds: options.seconds }));
  }
  const mean = (xs: LoadResult[], pick: (x: LoadResult) => number) =>
    xs.reduce((sum, x) => sum + pick(x), 0) / xs.length;
  return new Map(
    [...runs].map(([name, xs]) => [
      name,
      {
        rps: mean(xs, (x) => x.rps),
        p50: mean(xs, (x) => x.p50),
        p99: mean(xs, (x) => x.p99),
        errors: mean(xs, (x) => x.errors) * xs.length,
        non2xx: mean(xs, (x) => x.non2xx) * xs.length,
        cpuMicrosPerRequest: mean(xs, (x) => x.cpuMicrosPerRequest ?? Number.NaN),
        runs: xs,
      },
    ]),
  );
}
