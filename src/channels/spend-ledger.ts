// Money spent on codes, counted in the store every instance shares: one counter per UTC day and
// one per month. A send reserves its price before it goes (so instances racing for the last of
// a budget cannot both pass it) and gets it back when the provider refuses the message.
import type { AuditLog } from '../audit/audit-log.js';
import { MICROS } from '../config/compile-delivery-rules.js';
import type { SpendConfig } from '../config/types.js';
import type { Clock } from '../shared/clock.js';
import type { Store } from '../store/store.js';
import { guardStore } from '../store/store.js';
import type { SpendWindow, Spent } from './spend-rules.js';
import { budgetPassed, priceOf, spendWindows } from './spend-rules.js';

/** What metrics are told about spend. */
export interface SpendRecorder {
  /** A budget was reached, counted once per window by the instance that noticed first. */
  budgetReached(window: SpendWindow): void;
}

/** Money spent and budgets in the current UTC day and month, in the currency's units. */
export interface SpendFigures {
  currency: string;
  spent: Record<SpendWindow, number>;
  budget: Partial<Record<SpendWindow, number>>;
}

export interface SpendLedger {
  /** The spend config in force (reloads may change it); undefined when spend is not configured. */
  config(): SpendConfig | undefined;
  /** Spent in the current day and month. */
  spent(): Promise<Spent>;
  /**
   * Counts a message's price before it is sent; the window whose budget it would pass when it
   * may not go (nothing is then counted). `ip` is whose sign-in it was, for the audit.
   */
  reserve(channel: string, country: string | undefined, ip: string): Promise<SpendWindow | undefined>;
  /** Takes a reserved price back (the provider refused the message, so it costs nothing). */
  refund(channel: string, country: string | undefined): Promise<void>;
  /** Audits (and counts) that a budget was reached, once per window however many notice. */
  reached(window: SpendWindow, ip: string): Promise<void>;
  /** Spent and budgets in currency units, for metrics and readiness; undefined when spend is off. */
  figures(): Promise<SpendFigures | undefined>;
}

export interface SpendLedgerDeps {
  store: Store;
  clock: Clock;
  config: () => SpendConfig | undefined;
  audit: AuditLog;
  metrics?: SpendRecorder | undefined;
}

const spendKey = (window: SpendWindow, id: string) => `spend:${window}:${id}`;

export function createSpendLedger(deps: SpendLedgerDeps): SpendLedger {
  const { store, clock } = deps;
  const WINDOWS: readonly SpendWindow[] = ['day', 'month'];

  /** Adds `amount` to both windows; the new totals. */
  async function add(amount: number): Promise<Spent> {
    const now = clock.now();
    const windows = spendWindows(now);
    const [day, month] = await guardStore('counting spend', () =>
      Promise.all(WINDOWS.map((w) => store.incrementBy(spendKey(w, windows[w].id), amount, windows[w].endsAt - now))),
    );
    return { day: day!, month: month! };
  }

  const ledger: SpendLedger = {
    config: deps.config,

    async spent() {
      const windows = spendWindows(clock.now());
      const [day, month] = await guardStore('reading spend', () =>
        Promise.all(WINDOWS.map((w) => store.get(spendKey(w, windows[w].id)))),
      );
      return { day: Number(day ?? 0), month: Number(month ?? 0) };
    },

    async reserve(channel, country, ip) {
      const spend = deps.config();
      const price = spend === undefined ? 0 : priceOf(spend, channel, country);
      if (spend === undefined || price === 0) return undefined;
      const after = await add(price);
      const passed = budgetPassed(spend, { day: after.day - price, month: after.month - price }, price);
      if (passed !== undefined) {
        await add(-price);
        await ledger.reached(passed, ip);
        return passed;
      }
      const full = budgetPassed(spend, after, 1);
      if (full !== undefined) await ledger.reached(full, ip);
      return undefined;
    },

    async refund(channel, country) {
      const spend = deps.config();
      const price = spend === undefined ? 0 : priceOf(spend, channel, country);
      if (price > 0) await add(-price);
    },

    async figures() {
      const spend = deps.config();
      if (spend === undefined) return undefined;
      const spent = await ledger.spent();
      const units = (micros: number) => micros / MICROS;
      return {
        currency: spend.currency,
        spent: { day: units(spent.day), month: units(spent.month) },
        budget: {
          ...(spend.dailyBudget === undefined ? {} : { day: units(spend.dailyBudget) }),
          ...(spend.monthlyBudget === undefined ? {} : { month: units(spend.monthlyBudget) }),
        },
      };
    },

    async reached(window, ip) {
      const spend = deps.config();
      if (spend === undefined) return;
      const now = clock.now();
      const { id, endsAt } = spendWindows(now)[window];
      const first = await guardStore('noting a budget reached', () =>
        store.increment(`spend:reached:${window}:${id}`, endsAt - now),
      );
      if (first !== 1) return;
      deps.metrics?.budgetReached(window);
      const budget = window === 'day' ? spend.dailyBudget : spend.monthlyBudget;
      deps.audit.record({
        event: 'budget_reached',
        ip,
        outcome: 'refused',
        reason: `${window === 'day' ? 'daily' : 'monthly'} budget of ${formatMoney(budget ?? 0, spend.currency)} reached for ${id}`,
      });
    },
  };
  return ledger;
}

/** "12.50 EUR" from millionths: two decimals, more when a price needs them. */
export function formatMoney(micros: number, currency: string): string {
  const amount = micros / MICROS;
  const text = amount.toFixed(Number.isInteger(amount * 100) ? 2 : 6).replace(/(\.\d\d\d*?)0+$/, '$1');
  return `${text} ${currency}`;
}
