// Before a code is sent: which channel goes first for its destination (routing), and whether it
// may go at all (a prefix the pumping breaker paused, a spent budget). The decisions are pure
// functions in channels/; this module reads what they need from the store and the config.
import type { Destination } from '../channels/delivery.js';
import type { PumpingBreaker } from '../channels/pumping-breaker.js';
import type { Figures } from '../channels/routing.js';
import { routeChannels, routeFor } from '../channels/routing.js';
import type { SpendLedger } from '../channels/spend-ledger.js';
import { planSpend, spendWindows } from '../channels/spend-rules.js';
import type { RoutingConfig } from '../config/types.js';
import { TOTP } from '../policy/types.js';
import type { Clock } from '../shared/clock.js';
import type { Refusal } from './limits.js';

/** Whether codes may go to a destination now: the channels they may go by, or why none. */
export type SendingJudgement =
  { kind: 'send'; channels: string[] } | { kind: 'held'; refusal: Refusal; appMayStandIn: boolean };

export interface SendingGuardDeps {
  clock: Clock;
  routing?: (() => RoutingConfig | undefined) | undefined;
  figures?: ((channels: readonly string[], where: Destination) => Promise<ReadonlyMap<string, Figures>>) | undefined;
  spend?: SpendLedger | undefined;
  breaker?: PumpingBreaker | undefined;
}

export function createSendingGuards(deps: SendingGuardDeps) {
  return {
    /** The rule's channels in the order the destination's route gives (channels/routing.ts). */
    async routed(rule: readonly string[], number: string | undefined, where: Destination): Promise<string[]> {
      const routing = deps.routing?.();
      if (routing === undefined) return [...rule];
      const route = routeFor(routing, number, where.country);
      const measured = routing.auto && (await deps.figures?.(rule, where));
      return routeChannels({ rule, route, auto: routing.auto, figures: measured ? (c) => measured.get(c) : undefined });
    },

    /**
     * The pumping breaker and the budgets: whether codes may go to `where` at all, and by which
     * of `channels` ("totp" kept where it is). The same for every identity sending to the same
     * place, so the answer tells nothing about who is registered.
     */
    async judgeSending(channels: readonly string[], where: Destination, ip: string): Promise<SendingJudgement> {
      const paused = where.prefix === undefined ? undefined : await deps.breaker?.pausedFor(where.prefix);
      if (paused !== undefined)
        return { kind: 'held', refusal: { reason: 'prefix-paused', retryAfterMs: paused }, appMayStandIn: true };
      const spend = deps.spend?.config();
      if (deps.spend === undefined || spend === undefined) return { kind: 'send', channels: [...channels] };
      const sending = channels.filter((c) => c !== TOTP);
      const plan = planSpend(spend, await deps.spend.spent(), sending, where.country);
      if (plan.kind === 'send')
        return { kind: 'send', channels: channels.filter((c) => c === TOTP || plan.channels.includes(c)) };
      await deps.spend.reached(plan.window, ip);
      const now = deps.clock.now();
      const retryAfterMs = spendWindows(now)[plan.window].endsAt - now;
      return { kind: 'held', refusal: { reason: 'budget-spent', retryAfterMs }, appMayStandIn: plan.appMayStandIn };
    },
  };
}
