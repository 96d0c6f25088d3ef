// The pure routing decisions: which route a destination gets, and the order of a rule's channels.
import { describe, expect, it } from 'vitest';

import type { Figures } from '../../src/channels/routing.js';
import { orderByFigures, routeChannels, routeFor } from '../../src/channels/routing.js';
import type { RoutingConfig } from '../../src/config/types.js';

const routing: RoutingConfig = {
  routes: {
    default: ['whatsapp', 'sms'],
    CN: ['sms'],
    IT: ['sms', 'whatsapp'],
    '+39': ['email', 'sms'],
    '+3933': ['whatsapp', 'sms'],
  },
  auto: undefined,
};

describe('routeFor', () => {
  it.each([
    ['+393331234567', 'IT', ['whatsapp', 'sms'], 'the longest matching prefix wins'],
    ['+393401234567', 'IT', ['email', 'sms'], 'a shorter prefix beats the country'],
    ['+8613800138000', 'CN', ['sms'], 'the country when no prefix matches'],
    ['+14155550100', 'US', ['whatsapp', 'sms'], 'default for the rest'],
  ])('%s (%s) → %j: %s', (phone, country, expected) => {
    expect(routeFor(routing, phone, country)).toEqual(expected);
  });

  it('gives no route when nothing matches and there is no default', () => {
    expect(routeFor({ routes: { CN: ['sms'] }, auto: undefined }, '+14155550100', 'US')).toBeUndefined();
  });

  it('routes a destination without a phone number by default', () => {
    expect(routeFor(routing, undefined, undefined)).toEqual(['whatsapp', 'sms']);
  });
});

describe('routeChannels', () => {
  it.each([
    { rule: ['whatsapp', 'sms'], route: ['sms', 'whatsapp'], expected: ['sms', 'whatsapp'], why: 'reorders' },
    { rule: ['whatsapp', 'sms'], route: ['sms'], expected: ['sms'], why: 'leaves out what the route does not list' },
    { rule: ['sms'], route: ['whatsapp', 'sms'], expected: ['sms'], why: 'uses only channels the rule allows' },
    {
      rule: ['sms'],
      route: ['whatsapp'],
      expected: ['sms'],
      why: "keeps the rule's channels when the route names none",
    },
    { rule: ['whatsapp', 'sms'], route: undefined, expected: ['whatsapp', 'sms'], why: 'no route: the rule order' },
    {
      rule: ['totp', 'whatsapp', 'sms'],
      route: ['sms', 'whatsapp'],
      expected: ['totp', 'sms', 'whatsapp'],
      why: 'keeps totp where the rule puts it',
    },
    {
      rule: ['whatsapp', 'totp', 'sms'],
      route: ['sms'],
      expected: ['sms', 'totp'],
      why: 'fills sending places in route order around totp',
    },
  ])('$why', ({ rule, route, expected }) => {
    expect(routeChannels({ rule, route })).toEqual(expected);
  });

  it('reorders the routed channels by figures when auto is on', () => {
    const figures = table({ whatsapp: fig(100, 0.5, 9000), sms: fig(100, 0.9, 4000) });
    const auto = { minSamples: 30, verifiedStep: 0.05 };
    expect(routeChannels({ rule: ['whatsapp', 'sms'], route: undefined, auto, figures })).toEqual(['sms', 'whatsapp']);
  });
});

const fig = (samples: number, verifiedShare: number, p90Ms: number): Figures => ({
  samples,
  deliveredShare: verifiedShare,
  verifiedShare,
  p50Ms: p90Ms / 2,
  p90Ms,
});
const table = (t: Record<string, Figures>) => (channel: string) => t[channel];
const auto = { minSamples: 30, verifiedStep: 0.05 };

describe('orderByFigures', () => {
  it('puts the channel with the higher verified share first', () => {
    const f = table({ a: fig(50, 0.6, 1000), b: fig(50, 0.95, 8000) });
    expect(orderByFigures(['a', 'b'], f, auto)).toEqual(['b', 'a']);
  });

  it('puts the faster channel first when verified shares are within one step', () => {
    const f = table({ a: fig(50, 0.93, 9000), b: fig(50, 0.91, 3000) });
    expect(orderByFigures(['a', 'b'], f, auto)).toEqual(['b', 'a']);
  });

  it('keeps the configured order when shares and p90 are equal', () => {
    const f = table({ a: fig(50, 0.9, 3000), b: fig(50, 0.9, 3000) });
    expect(orderByFigures(['a', 'b'], f, auto)).toEqual(['a', 'b']);
  });

  it('keeps a channel with too few samples in its configured place', () => {
    const f = table({ a: fig(50, 0.2, 1000), b: fig(5, 1, 100), c: fig(50, 0.99, 1000) });
    expect(orderByFigures(['a', 'b', 'c'], f, auto)).toEqual(['c', 'b', 'a']);
  });

  it('keeps a channel without figures in its configured place', () => {
    const f = table({ b: fig(50, 0.5, 1000), c: fig(50, 0.99, 1000) });
    expect(orderByFigures(['a', 'b', 'c'], f, auto)).toEqual(['a', 'c', 'b']);
  });

  it('changes nothing when no channel has enough samples', () => {
    const f = table({ a: fig(29, 0, 1), b: fig(29, 1, 1) });
    expect(orderByFigures(['a', 'b'], f, auto)).toEqual(['a', 'b']);
  });

  it('gives every permutation of three measured channels the same order', () => {
    const f = table({ a: fig(40, 0.7, 2000), b: fig(40, 0.9, 6000), c: fig(40, 0.91, 2500) });
    const perms = [
      ['a', 'b', 'c'],
      ['a', 'c', 'b'],
      ['b', 'a', 'c'],
      ['b', 'c', 'a'],
      ['c', 'a', 'b'],
      ['c', 'b', 'a'],
    ];
    for (const p of perms) expect(orderByFigures(p, f, auto)).toEqual(['c', 'b', 'a']);
  });
});
