// Which channel goes first for a destination (issue 23): the route configured for the number's
// longest matching prefix, else its country, else "default", within the channels the rule
// allows; optionally reordered by what the gate measured. Pure: the caller supplies the figures.
import type { RoutingConfig } from '../config/types.js';
import { TOTP } from '../policy/types.js';
import type { Figures } from './delivery-figures.js';

export type { Figures };

/** The route for a number: the longest prefix key it starts with, else its country's, else "default". */
export function routeFor(
  routing: RoutingConfig,
  phone: string | undefined,
  country: string | undefined,
): readonly string[] | undefined {
  const { routes } = routing;
  if (phone !== undefined) {
    const prefix = Object.keys(routes)
      .filter((key) => key.startsWith('+') && phone.startsWith(key))
      .reduce<string | undefined>(
        (best, key) => (best === undefined || key.length > best.length ? key : best),
        undefined,
      );
    if (prefix !== undefined) return routes[prefix];
  }
  return (country !== undefined ? routes[country] : undefined) ?? routes.default;
}

export interface RouteInput {
  /** The rule's channels in its order, "totp" included where it lists it. */
  rule: readonly string[];
  /** The destination's route; undefined keeps the rule's order. */
  route: readonly string[] | undefined;
  /** Present when routing orders by measured figures. */
  auto?: { minSamples: number; verifiedStep: number } | undefined;
  /** The figures of a channel to this destination; undefined when none are kept. */
  figures?: ((channel: string) => Figures | undefined) | undefined;
}

/**
 * The rule's channels in the destination's order. The route decides which sending channels are
 * used and in what order, among those the rule allows; "totp" keeps the place the rule gives it
 * (it sends nothing, so no route is about it). A route naming none of the rule's channels is
 * ignored: a rule is never left without a channel by routing. With `auto`, the channels then
 * reorder by their figures (see orderByFigures).
 */
export function routeChannels(input: RouteInput): string[] {
  const sending = input.rule.filter((c) => c !== TOTP);
  const routed = input.route?.filter((c) => sending.includes(c)) ?? [];
  const chosen = routed.length > 0 ? routed : sending;
  const ordered = input.auto && input.figures ? orderByFigures(chosen, input.figures, input.auto) : chosen;
  const queue = [...ordered];
  return input.rule.flatMap((c) => (c === TOTP ? [c] : queue.length > 0 ? [queue.shift()!] : []));
}

/**
 * Reorders channels by measured figures. Only channels with at least `minSamples` sends to the
 * destination move, and only among the places measured channels hold; the others keep their
 * configured place (a new channel is not judged on three sends). Measured channels sort by
 * verified share, in steps of `verifiedStep` (shares a step apart are equal, so noise does not
 * flip the order), then by the lower p90 delivery time, then by their configured order.
 */
export function orderByFigures(
  channels: readonly string[],
  figures: (channel: string) => Figures | undefined,
  auto: { minSamples: number; verifiedStep: number },
): string[] {
  const measured = channels.flatMap((channel, index) => {
    const f = figures(channel);
    return f !== undefined && f.samples >= auto.minSamples ? [{ channel, index, f }] : [];
  });
  const step = (share: number) => Math.floor(share / auto.verifiedStep + 1e-9);
  const sorted = [...measured].sort(
    (a, b) => step(b.f.verifiedShare) - step(a.f.verifiedShare) || a.f.p90Ms - b.f.p90Ms || a.index - b.index,
  );
  const places = new Map(measured.map((m, i) => [m.index, sorted[i]!.channel]));
  return channels.map((channel, index) => places.get(index) ?? channel);
}
