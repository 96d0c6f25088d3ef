// The `routing`, `spend` and `pumping_breaker` sections as written: which channel goes first for
// which destination, what sending costs and how much may be spent, and when a number range that
// stops verifying its codes is paused (issue 23). compile-delivery-rules.ts compiles them.
import type { CountryCode } from 'libphonenumber-js';
import { isSupportedCountry } from 'libphonenumber-js';
import { z } from 'zod';

import type { durationSchema as DurationSchema } from './schema.js';

/** "+3933": a leading part of E.164 numbers, country code included. */
export const ROUTE_PREFIX = /^\+\d{1,14}$/;

const isCountry = (key: string) => /^[A-Z]{2}$/.test(key) && isSupportedCountry(key as CountryCode);

/** A route's or a price table's key: "default", a country ("CN") or, for routes, a number prefix. */
function destinationKey(key: string, prefixes: boolean): string | undefined {
  if (key === 'default' || isCountry(key) || (prefixes && ROUTE_PREFIX.test(key))) return undefined;
  return prefixes
    ? `"${key}" is not "default", a two-letter country code in capitals ("CN") or a number prefix ("+3933")`
    : `"${key}" is not "default" or a two-letter country code in capitals ("CN")`;
}

const channelList = z
  .array(z.string().min(1))
  .min(1)
  .refine((list) => new Set(list).size === list.length, { error: 'a channel is named twice' })
  .refine((list) => !list.includes('totp'), {
    error: '"totp" sends nothing: routes order the channels that send codes (a rule lists totp itself)',
  });

const autoSchema = z
  .strictObject({
    min_samples: z
      .number()
      .int()
      .min(1)
      .default(30)
      .describe('Sends a channel needs to the destination before its figures reorder it; fewer keep their place.'),
    verified_step: z
      .number()
      .gt(0)
      .max(1)
      .default(0.05)
      .describe(
        'Verified shares this close (one step) count as equal; the faster channel (lower p90) then goes first.',
      ),
  })
  .describe(
    'Order the routed channels by what the gate measured: the higher share of codes verified first, then the lower p90 delivery time.',
  );

export const routingSchema = z
  .record(z.string(), z.unknown())
  .superRefine((raw, ctx) => {
    for (const [key, value] of Object.entries(raw)) {
      const parsed = (key === 'auto' ? autoSchema : channelList).safeParse(value);
      const wrongKey = key === 'auto' ? undefined : destinationKey(key, true);
      if (wrongKey) ctx.addIssue({ code: 'custom', path: [key], input: key, message: wrongKey });
      for (const issue of parsed.error?.issues ?? [])
        ctx.addIssue({ code: 'custom', path: [key, ...issue.path], input: value, message: issue.message });
    }
  })
  .transform((raw) => {
    const { auto, ...routes } = raw;
    return {
      auto: auto === undefined ? undefined : autoSchema.parse(auto),
      routes: routes as Record<string, string[]>,
    };
  })
  .meta({
    type: 'object',
    properties: {
      auto: Object.fromEntries(
        Object.entries(z.toJSONSchema(autoSchema, { io: 'input' })).filter(([k]) => k !== '$schema'),
      ),
    },
    propertyNames: { pattern: '^(default|auto|[A-Z]{2}|\\+\\d{1,14})$' },
    additionalProperties: { type: 'array', items: { type: 'string' }, minItems: 1 },
  })
  .describe(
    'Channel order per destination: keys are "default", countries ("CN") and number prefixes ("+3933"); the longest matching prefix ' +
      'wins, then the country, then default. A route lists channels in order; only those the rule allows are used, and a rule ' +
      'channel a matching route leaves out is not used for that destination. Optional "auto" reorders by measured figures.',
  );

const price = z.number().min(0).describe('Price of one message.');

const priceTable = z.record(z.string(), price).superRefine((raw, ctx) => {
  for (const key of Object.keys(raw)) {
    const wrong = destinationKey(key, false);
    if (wrong) ctx.addIssue({ code: 'custom', path: [key], input: key, message: wrong });
  }
  if (raw.default === undefined)
    ctx.addIssue({
      code: 'custom',
      path: ['default'],
      input: raw,
      message: 'a price table needs a "default" price for countries it does not name',
    });
});

export const spendSchema = z
  .strictObject({
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, { error: 'expected a three-letter currency code like "EUR" or "USD"' })
      .describe('The currency of every price and budget (ISO 4217), named once.'),
    prices: z
      .record(z.string().min(1), priceTable)
      .describe('Price per message, per channel and country ("default" for the rest); channels not listed are free.'),
    daily_budget: z.number().gt(0).optional().describe('Most spent per UTC day.'),
    monthly_budget: z.number().gt(0).optional().describe('Most spent per UTC month.'),
    when_spent: z
      .enum(['next_channel', 'totp_only', 'refuse'])
      .default('next_channel')
      .describe(
        'Once a budget would be passed: next_channel skips channels the budget no longer covers (free ones still send); ' +
          'totp_only sends nothing and offers the authenticator app where the rule allows it; refuse sends nothing.',
      ),
  })
  .refine((v) => v.daily_budget !== undefined || v.monthly_budget !== undefined, {
    error: 'set daily_budget, monthly_budget or both',
    path: ['daily_budget'],
  })
  .describe('What sending codes costs, and how much may be spent.');

export function pumpingBreakerSchema(durationSchema: typeof DurationSchema) {
  return z
    .strictObject({
      window: durationSchema().default('1h').describe('The window sends and verified codes are counted in.'),
      min_sent: z
        .number()
        .int()
        .min(1)
        .default(20)
        .describe('Codes sent to a prefix within the window before the breaker judges it.'),
      min_verified_share: z
        .number()
        .min(0)
        .max(1)
        .default(0.2)
        .describe('Below this share of sent codes verified, the prefix is paused.'),
      pause_for: durationSchema()
        .default('6h')
        .describe('How long a paused prefix stays paused (or until `otp-gate delivery resume`).'),
    })
    .describe(
      'SMS pumping circuit breaker: a number prefix (otp.prefix_digits) whose codes stop being verified gets no more codes for a while.',
    );
}

/**
 * The channels routes and price tables name must be configured ones; checked across sections
 * like the other cross-checks, reading defensively (other options may be wrong too).
 */
export function checkDeliveryRuleChannels(
  sections: { routing: Record<string, unknown>; spend: Record<string, unknown>; channels: Record<string, unknown> },
  ctx: z.RefinementCtx,
): void {
  const configured = new Set(Object.keys(sections.channels).length > 0 ? Object.keys(sections.channels) : ['console']);
  const unknown = (name: unknown) => typeof name === 'string' && !configured.has(name);
  const known = [...configured].join(', ');
  // Parsed, the section is { auto, routes }; where parsing failed, as written.
  const { routes } = sections.routing;
  const written =
    routes !== null && typeof routes === 'object' ? (routes as Record<string, unknown>) : sections.routing;
  for (const [key, list] of Object.entries(written)) {
    if (key === 'auto' || !Array.isArray(list)) continue;
    list.forEach((name: unknown, i) => {
      if (unknown(name))
        ctx.addIssue({
          code: 'custom',
          path: ['routing', key, i],
          input: name,
          message: `names channel "${String(name)}", which is not configured (channels: ${known})`,
        });
    });
  }
  const prices = sections.spend.prices;
  if (prices === null || typeof prices !== 'object') return;
  for (const name of Object.keys(prices))
    if (unknown(name))
      ctx.addIssue({
        code: 'custom',
        path: ['spend', 'prices', name],
        input: name,
        message: `prices channel "${name}", which is not configured (channels: ${known})`,
      });
}
