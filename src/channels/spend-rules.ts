// What a code costs and whether the budgets still cover it, as pure decisions over amounts the
// store counted (spend-ledger.ts). Amounts are whole millionths of the configured currency.
import type { SpendConfig } from '../config/types.js';

export type SpendWindow = 'day' | 'month';

/** Spent so far in the current UTC day and month. */
export interface Spent {
  day: number;
  month: number;
}

/** The UTC day and month containing `now`, as counter names and when each ends. */
export function spendWindows(now: number): Record<SpendWindow, { id: string; endsAt: number }> {
  const date = new Date(now);
  const y = date.getUTCFullYear();
  const m = date.getUTCMonth();
  const d = date.getUTCDate();
  return {
    day: { id: new Date(Date.UTC(y, m, d)).toISOString().slice(0, 10), endsAt: Date.UTC(y, m, d + 1) },
    month: { id: new Date(Date.UTC(y, m, 1)).toISOString().slice(0, 7), endsAt: Date.UTC(y, m + 1, 1) },
  };
}

/** One message's price on a channel to a country: its own, else the channel's default; 0 when the channel has no prices. */
export function priceOf(spend: SpendConfig, channel: string, country: string | undefined): number {
  const table = spend.prices[channel];
  if (table === undefined) return 0;
  return (country !== undefined ? table[country] : undefined) ?? table.default ?? 0;
}

/** The budget a message of `price` would pass, day first; undefined when both cover it (free ones always). */
export function budgetPassed(spend: SpendConfig, spent: Spent, price: number): SpendWindow | undefined {
  if (price === 0) return undefined;
  if (spend.dailyBudget !== undefined && spent.day + price > spend.dailyBudget) return 'day';
  if (spend.monthlyBudget !== undefined && spent.month + price > spend.monthlyBudget) return 'month';
  return undefined;
}

export type SpendPlan =
  /** Send, by these channels only (those the budgets still cover), in the order given. */
  | { kind: 'send'; channels: string[] }
  /** Send nothing: `window`'s budget is spent; the authenticator app may stand in unless `when_spent: refuse`. */
  | { kind: 'spent'; window: SpendWindow; appMayStandIn: boolean };

/**
 * Which of a code's channels the budgets allow. With `next_channel` the code goes by those still
 * covered (a free or cheaper one); with `totp_only` and `refuse` nothing is sent once the first
 * channel is not covered, and the others are only tried while covered.
 */
export function planSpend(
  spend: SpendConfig,
  spent: Spent,
  channels: readonly string[],
  country: string | undefined,
): SpendPlan {
  const passed = channels.map((c) => budgetPassed(spend, spent, priceOf(spend, c, country)));
  const covered = channels.filter((_, i) => passed[i] === undefined);
  const first = passed[0];
  if (spend.whenSpent !== 'next_channel' && first !== undefined)
    return { kind: 'spent', window: first, appMayStandIn: spend.whenSpent === 'totp_only' };
  if (covered.length > 0 || channels.length === 0) return { kind: 'send', channels: covered };
  return { kind: 'spent', window: passed.find((p) => p !== undefined)!, appMayStandIn: true };
}
