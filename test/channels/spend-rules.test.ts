// Prices, UTC windows and what the budgets allow, as pure decisions.
import { describe, expect, it } from 'vitest';

import { budgetPassed, planSpend, priceOf, spendWindows } from '../../src/channels/spend-rules.js';
import type { SpendConfig } from '../../src/config/types.js';

const spend = (whenSpent: SpendConfig['whenSpent'], daily?: number, monthly?: number): SpendConfig => ({
  currency: 'EUR',
  prices: { sms: { default: 50_000, IT: 80_000 }, whatsapp: { default: 30_000 } },
  dailyBudget: daily,
  monthlyBudget: monthly,
  whenSpent,
});

describe('spendWindows', () => {
  it('names the UTC day and month and when each ends', () => {
    const w = spendWindows(Date.UTC(2026, 11, 31, 23, 59));
    expect(w.day).toEqual({ id: '2026-12-31', endsAt: Date.UTC(2027, 0, 1) });
    expect(w.month).toEqual({ id: '2026-12', endsAt: Date.UTC(2027, 0, 1) });
  });
});

describe('priceOf', () => {
  it.each([
    ['sms', 'IT', 80_000], // the country's own price
    ['sms', 'FR', 50_000], // the channel's default
    ['sms', undefined, 50_000], // the default without a country
    ['console', 'IT', 0], // free: a channel without prices
  ] as const)('%s to %s costs %d', (channel, country, price) => {
    expect(priceOf(spend('refuse', 1), channel, country)).toBe(price);
  });
});

describe('budgetPassed', () => {
  it('lets a message through that fits exactly', () => {
    expect(budgetPassed(spend('refuse', 100_000), { day: 50_000, month: 50_000 }, 50_000)).toBeUndefined();
  });
  it('names the day when the daily budget would be passed', () => {
    expect(budgetPassed(spend('refuse', 100_000, 10_000_000), { day: 60_000, month: 60_000 }, 50_000)).toBe('day');
  });
  it('names the month when only the monthly budget would be passed', () => {
    expect(budgetPassed(spend('refuse', undefined, 100_000), { day: 0, month: 60_000 }, 50_000)).toBe('month');
  });
  it('always lets a free message through', () => {
    expect(budgetPassed(spend('refuse', 1), { day: 5, month: 5 }, 0)).toBeUndefined();
  });
});

describe('planSpend', () => {
  const full = { day: 100_000, month: 100_000 };
  it('sends by every channel while the budget covers them', () => {
    expect(planSpend(spend('refuse', 1_000_000), { day: 0, month: 0 }, ['whatsapp', 'sms'], 'IT')).toEqual({
      kind: 'send',
      channels: ['whatsapp', 'sms'],
    });
  });
  it('next_channel skips a channel the budget no longer covers', () => {
    expect(planSpend(spend('next_channel', 140_000), full, ['sms', 'whatsapp'], 'IT')).toEqual({
      kind: 'send',
      channels: ['whatsapp'],
    });
  });
  it('next_channel still sends by a free channel once spent', () => {
    expect(planSpend(spend('next_channel', 100_000), full, ['sms', 'console'], 'IT')).toEqual({
      kind: 'send',
      channels: ['console'],
    });
  });
  it('next_channel with nothing covered is spent, and the app may stand in', () => {
    expect(planSpend(spend('next_channel', 100_000), full, ['sms', 'whatsapp'], 'IT')).toEqual({
      kind: 'spent',
      window: 'day',
      appMayStandIn: true,
    });
  });
  it('totp_only sends nothing once the first channel is not covered, and offers the app', () => {
    expect(planSpend(spend('totp_only', 140_000), full, ['sms', 'whatsapp'], 'IT')).toEqual({
      kind: 'spent',
      window: 'day',
      appMayStandIn: true,
    });
  });
  it('refuse sends nothing once the first channel is not covered, and offers nothing', () => {
    expect(planSpend(spend('refuse', undefined, 100_000), full, ['sms'], 'IT')).toEqual({
      kind: 'spent',
      window: 'month',
      appMayStandIn: false,
    });
  });
});
