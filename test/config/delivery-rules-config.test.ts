// The routing, spend and pumping_breaker sections: compiled shapes, and mistakes named at their line.
import { describe, expect, it } from 'vitest';

import { compileConfigText, configProblems, MINIMAL_FROM_ENV as MINIMAL, SECRET_ENV } from '../helpers/config-text.js';

const ENV = SECRET_ENV;

describe('delivery rules config', () => {
  it('compiles routes, money in millionths and breaker durations', () => {
    const config = compileConfigText(
      `${MINIMAL}routing:\n  default: [console]\n  "+3933": [console]\n  auto: { min_samples: 5 }\n` +
        `spend:\n  currency: EUR\n  prices:\n    console: { default: 0.0075, IT: 0.05 }\n  daily_budget: 20\n` +
        `pumping_breaker:\n  window: 30m\n`,
      ENV,
    );
    expect(config.routing).toEqual({
      routes: { default: ['console'], '+3933': ['console'] },
      auto: { minSamples: 5, verifiedStep: 0.05 },
    });
    expect(config.spend).toEqual({
      currency: 'EUR',
      prices: { console: { default: 7_500, IT: 50_000 } },
      dailyBudget: 20_000_000,
      monthlyBudget: undefined,
      whenSpent: 'next_channel',
    });
    expect(config.pumpingBreaker).toEqual({
      windowMs: 1_800_000,
      minSent: 20,
      minVerifiedShare: 0.2,
      pauseForMs: 21_600_000,
    });
  });

  it('names a route key that is neither a country nor a prefix', () => {
    const problems = configProblems(`${MINIMAL}routing:\n  Italy: [console]\n`, ENV);
    expect(problems.join('\n')).toMatch(/"Italy" is not "default", a two-letter country code/);
  });

  it('names a route channel that is not configured', () => {
    const problems = configProblems(`${MINIMAL}routing:\n  CN: [sms]\n`, ENV);
    expect(problems.join('\n')).toContain('names channel "sms", which is not configured (channels: console)');
  });

  it('asks for a budget and a default price', () => {
    const problems = configProblems(
      `${MINIMAL}spend:\n  currency: EUR\n  prices:\n    console: { IT: 0.05 }\n`,
      ENV,
    ).join('\n');
    expect(problems).toContain('set daily_budget, monthly_budget or both');
    expect(problems).toContain('a price table needs a "default" price');
  });
});
