// Every scope the gate has learned about, with its figures, for `otp-gate delivery stats`: the
// channel overall, each destination country and each number prefix that had a code within the
// window, read from the Store the gates share.
import type { Store } from '../store/store.js';
import type { Figures } from './delivery-figures.js';
import { figuresDay, figuresFrom, readCounts, scopesKey, WINDOW_DAYS } from './delivery-figures.js';

export interface StatsRow {
  channel: string;
  /** "all" (the channel overall), a country ("IT") or a prefix ("+39347"). */
  scope: 'all' | 'country' | 'prefix';
  where: string;
  /** Age-weighted counts, as the figures use them. */
  sent: number;
  delivered: number;
  failed: number;
  verified: number;
  figures: Figures;
}

const SCOPE_ORDER = { all: 0, country: 1, prefix: 2 } as const;

function parseScope(member: string): Pick<StatsRow, 'channel' | 'scope' | 'where'> | undefined {
  const [channel, scope] = member.split(' ');
  if (!channel || !scope) return undefined;
  if (scope === 'all') return { channel, scope: 'all', where: 'all' };
  if (scope.startsWith('c:')) return { channel, scope: 'country', where: scope.slice(2) };
  if (scope.startsWith('p:')) return { channel, scope: 'prefix', where: scope.slice(2) };
  return undefined;
}

/** Rows by channel, then overall, countries and prefixes, each in alphabetical order. */
export async function readDeliveryStats(store: Store, now: number, halfLifeMs: number): Promise<StatsRow[]> {
  const today = figuresDay(now);
  const days = await Promise.all(
    Array.from({ length: WINDOW_DAYS }, (_, age) => store.setMembers(scopesKey(today - age))),
  );
  const members = [...new Set(days.flat())];
  const rows = await Promise.all(
    members.map(async (member) => {
      const named = parseScope(member);
      if (named === undefined) return undefined;
      const key = named.scope === 'all' ? 'all' : `${named.scope === 'country' ? 'c' : 'p'}:${named.where}`;
      const counts = await readCounts(store, named.channel, key, now, halfLifeMs);
      const { sent, delivered, failed, verified } = counts;
      return { ...named, sent, delivered, failed, verified, figures: figuresFrom(counts) };
    }),
  );
  return rows
    .filter((r): r is StatsRow => r !== undefined)
    .sort(
      (a, b) =>
        a.channel.localeCompare(b.channel) ||
        SCOPE_ORDER[a.scope] - SCOPE_ORDER[b.scope] ||
        a.where.localeCompare(b.where),
    );
}
