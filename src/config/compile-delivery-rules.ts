// Compiles `routing`, `spend` and `pumping_breaker` into their runtime shapes: money in whole
// millionths of the currency (the store counts integers), durations in ms.
import type { RawConfig } from './schema.js';
import type { PumpingBreakerConfig, RoutingConfig, SpendConfig } from './types.js';

/** Millionths: fine enough for any message price, whole so the store adds exactly. */
export const MICROS = 1_000_000;

const micros = (amount: number) => Math.round(amount * MICROS);

export function compileRouting(raw: NonNullable<RawConfig['routing']>): RoutingConfig {
  return {
    routes: raw.routes,
    auto: raw.auto && { minSamples: raw.auto.min_samples, verifiedStep: raw.auto.verified_step },
  };
}

export function compileSpend(raw: NonNullable<RawConfig['spend']>): SpendConfig {
  const prices = Object.fromEntries(
    Object.entries(raw.prices).map(([channel, table]) => [
      channel,
      Object.fromEntries(Object.entries(table).map(([where, price]) => [where, micros(price)])),
    ]),
  );
  return {
    currency: raw.currency,
    prices,
    dailyBudget: raw.daily_budget === undefined ? undefined : micros(raw.daily_budget),
    monthlyBudget: raw.monthly_budget === undefined ? undefined : micros(raw.monthly_budget),
    whenSpent: raw.when_spent,
  };
}

export function compilePumpingBreaker(
  raw: NonNullable<RawConfig['pumping_breaker']>,
  ms: (text: string) => number,
): PumpingBreakerConfig {
  return {
    windowMs: ms(raw.window),
    minSent: raw.min_sent,
    minVerifiedShare: raw.min_verified_share,
    pauseForMs: ms(raw.pause_for),
  };
}
