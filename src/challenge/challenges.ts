// Issuing and checking one-time codes for a login flow. Codes come from crypto.randomInt, are
// stored only as a keyed digest, compared in constant time, expire, are consumed once, and die
// after a few wrong tries; known and unknown identities take the same path and look the same.
import { randomInt, timingSafeEqual } from 'node:crypto';

import type { AuditLog } from '../audit/audit-log.js';
import { auditFlowId } from '../audit/audit-log.js';
import type { Channel } from '../channels/channel.js';
import type { ChannelHealth } from '../channels/channel-health.js';
import type { Deliveries } from '../channels/delivery.js';
import type { OtpConfig } from '../config/types.js';
import type { Directory, User } from '../directory/types.js';
import type { Factor } from '../policy/types.js';
import { TOTP } from '../policy/types.js';
import type { Signer } from '../session/signer.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/log.js';
import { networkKey } from '../shared/net/network-key.js';
import type { Store } from '../store/store.js';
import { StoreError } from '../store/store.js';
import { decoyNumber, describeDestination } from './destination.js';
import type { Refusal } from './limits.js';
import {
  checkCooldown,
  checkDestinationCaps,
  checkHourlyCaps,
  hourWindow,
  judgeAttempt,
  numberPrefix,
} from './limits.js';
import { createLockout } from './lockout.js';

/** What the code page may show about a challenge: nothing that tells a real user from a decoy. */
export interface ChallengeView {
  destination: string;
  channel: string;
  sentAt: number;
  expiresAt: number;
  resendAt: number;
  returnTo: string;
  rule: string;
  /** The channels this challenge may use, in order (the person may pick another of them); "totp" is the authenticator app. */
  channels: string[];
  /** How long the person may ask this browser to be trusted (the rule's trusted_device), ms. */
  trustDeviceMs: number | undefined;
}

export type StartResult = { ok: true; view: ChallengeView } | { ok: false; refusal: Refusal };

export type VerifyResult =
  | {
      kind: 'login';
      user: User;
      returnTo: string;
      rule: string;
      factors: Factor[];
      method: string;
      trustDeviceMs: number | undefined;
    }
  | { kind: 'wrong'; triesLeft: number }
  | { kind: 'expired' }
  | { kind: 'code-dead' }
  | { kind: 'locked'; retryAfterMs: number };

export interface StartInput {
  flowId: string;
  identifier: string;
  ip: string;
  host: string;
  returnTo: string;
  rule: string;
  /** The deciding rule's channels, in preference order. */
  channels: readonly string[];
  /** Language of the page that asked, for the message text. */
  locale?: string | undefined;
  /** Factors already proven in this flow (a password), recorded in the session with the code. */
  proven?: readonly Factor[];
  /** The rule's trusted_device, ms: the code page then offers to trust the browser. */
  trustDeviceMs?: number | undefined;
  /**
   * Whom this browser has signed in as before (a live session or a trusted-browser cookie): the
   * shared caps (number prefix, the gate's total) do not hold that person back, so an attacker who
   * fills them cannot lock out people who have signed in here before (issue 25).
   */
  knownBrowser?: string | undefined;
}

export type PasswordResult = { kind: 'ok'; user: User } | { kind: 'wrong' } | { kind: 'locked'; retryAfterMs: number };

/** The authenticator-app check the login uses (src/totp/): a code is accepted once per user. */
export interface TotpVerifier {
  verify(user: string | undefined, code: string): Promise<'ok' | 'wrong' | 'replayed'>;
}

/** The password check: the same work and answer for a wrong password, an unknown user or one without a password. */
export interface PasswordVerifier {
  check(user: User | undefined, password: string): Promise<boolean>;
}

export interface Challenges {
  /** A password first factor; failures count toward the same lockout as wrong codes. */
  checkPassword(input: { identifier: string; password: string; ip: string; rule: string }): Promise<PasswordResult>;
  start(input: StartInput): Promise<StartResult>;
  /** A new code; `channel` (one of the challenge's channels) goes first when given. */
  resend(input: {
    flowId: string;
    ip: string;
    host: string;
    channel?: string | undefined;
    locale?: string | undefined;
  }): Promise<StartResult | undefined>;
  view(flowId: string): Promise<ChallengeView | undefined>;
  verify(input: { flowId: string; code: string; ip: string }): Promise<VerifyResult>;
  /** Resolves when every delivery started so far has finished (tests, shutdown). */
  idle(): Promise<void>;
}

interface ChallengeRecord {
  /** Keyed digest of the identity: every spelling of one person counts against one set of limits. */
  k: string;
  /** Username; absent for identities the directory does not know (a decoy challenge). */
  u?: string;
  /** Code digest, base64url. */
  h: string;
  /** Code number within the flow, to key per-code attempt counters. */
  n: number;
  e: number;
  t: number;
  d: string;
  ch: string;
  rd: string;
  r: string;
  /** Channels in the order they will be tried. */
  cs: string[];
  /** Keyed digest naming the destination number, for the per-destination limit. */
  dk: string;
  /** Leading digits of the destination number, for the per-prefix limit; absent without a number. */
  px?: string;
  /** Factors proven before the code (a password). */
  pf?: Factor[];
  /** The authenticator app may be used (the rule lists "totp"). */
  tp?: 1;
  /** The rule's trusted_device, ms. */
  td?: number;
  /** The browser has signed in as this person before: the shared caps do not apply. */
  sx?: 1;
}

export interface ChallengeDeps {
  store: Store;
  signer: Signer;
  clock: Clock;
  config: OtpConfig;
  directory: () => Directory;
  defaultCountry: string | undefined;
  channels: ReadonlyMap<string, Channel>;
  /** Which channels can send now; all when absent. */
  health?: Pick<ChannelHealth, 'isUp'> | undefined;
  /** Present when TOTP is configured. */
  totp?: TotpVerifier | undefined;
  passwords: PasswordVerifier;
  deliveries: Deliveries;
  audit: AuditLog;
  log: Logger;
}

const challengeKey = (flowId: string) => `challenge:${flowId}`;

export function createChallenges(deps: ChallengeDeps): Challenges {
  const { store, signer, clock, config } = deps;
  const lockout = createLockout(deps);

  const identityKey = (identity: string) => signer.digest('identity', identity).toString('base64url').slice(0, 22);
  const codeDigest = (flowId: string, n: number, code: string) => signer.digest('code', `${flowId}:${n}:${code}`);

  function newCode(): string {
    return String(randomInt(0, 10 ** config.length)).padStart(config.length, '0');
  }

  async function guarded<T>(doing: string, op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      throw err instanceof StoreError ? err : new StoreError(doing, err);
    }
  }

  /**
   * Limits that apply to every new code, in two steps. The asker's own budgets first (identity,
   * client address, client network): one over its budget is refused there and counts nothing
   * shared. Then the shared caps (destination number, its prefix, the whole gate), which protect
   * the bill: an unknown identity (`decoy`) sends nothing, so it never counts against a real
   * prefix or the gate's total, and its destination counts apart from real ones (issue 25).
   * A person whose browser has signed in before (`sharedExempt`) is counted but not held back by
   * the prefix and total caps. A fallback re-sends the same code and is not counted again.
   */
  async function checkSendLimits(input: {
    k: string;
    ip: string;
    lastSentAt: number | undefined;
    to: { dk: string; px?: string | undefined };
    decoy: boolean;
    sharedExempt: boolean;
  }): Promise<Refusal | undefined> {
    const { k, ip, lastSentAt, to } = input;
    const now = clock.now();
    const locked = lockRefusal(await lockout.lockedFor(k));
    if (locked) return locked;
    const cooldown = checkCooldown(now, lastSentAt, config);
    if (cooldown) return cooldown;
    const window = hourWindow(now);
    const ttl = window.endsAt - now;
    const count = (key: string) => store.increment(`sends:${key}:${window.id}`, ttl);
    const [identity, address, network] = await guarded('counting sends', () =>
      Promise.all([count(`id:${k}`), count(`ip:${ip}`), count(`net:${networkKey(ip, config.networkBits)}`)]),
    );
    const own = checkHourlyCaps(now, { identity, address, network }, config);
    if (own) return own;
    if (input.decoy) {
      const destination = await guarded('counting sends', () => count(`decoy-to:${to.dk}`));
      return checkDestinationCaps(now, { destination, prefix: undefined, total: 0 }, config);
    }
    const [destination, prefix, total] = await guarded('counting sends', () =>
      Promise.all([
        count(`to:${to.dk}`),
        to.px === undefined ? Promise.resolve(undefined) : count(`prefix:${to.px}`),
        count('all'),
      ]),
    );
    const shared = checkDestinationCaps(now, { destination, prefix, total }, config);
    return shared && input.sharedExempt && isSharedCap(shared) ? undefined : shared;
  }

  /** Where the code goes, as limit keys: a digest of the number and its prefix. */
  function destinationKeys(who: string, number: string | undefined): { dk: string; px?: string } {
    if (number === undefined) return { dk: identityKey(`nophone:${who}`) };
    const px = numberPrefix(number, config.prefixDigits);
    return { dk: identityKey(`to:${number}`), ...(px === undefined ? {} : { px }) };
  }

  /**
   * The key every limit and the lockout count under: the user, or one spelling of what was typed
   * (its phone number when it is one, so limits can't be dodged by re-spelling).
   */
  function limitKey(identifier: string, typedPhone: string | undefined, user: User | undefined): string {
    const canonical = typedPhone ?? identifier.trim().toLowerCase();
    return identityKey(user ? `user:${user.username}` : `unknown:${canonical}`);
  }

  function toView(r: ChallengeRecord): ChallengeView {
    return {
      destination: r.d,
      channel: r.ch,
      sentAt: r.t,
      expiresAt: r.e,
      resendAt: r.t + config.resendAfter,
      returnTo: r.rd,
      rule: r.r,
      channels: r.tp ? [...r.cs, TOTP] : r.cs,
      trustDeviceMs: r.td,
    };
  }

  /** Whether the code typed is right: the sent code's digest, or the user's authenticator app. */
  async function isCorrect(flowId: string, record: ChallengeRecord, code: string): Promise<boolean> {
    if (record.ch === TOTP) return (await deps.totp?.verify(record.u, code)) === 'ok';
    const given = codeDigest(flowId, record.n, normaliseCode(code));
    const expected = Buffer.from(record.h, 'base64url');
    return record.u !== undefined && expected.length === given.length && timingSafeEqual(expected, given);
  }

  async function issue(
    flowId: string,
    record: ChallengeRecord,
    user: User | undefined,
    host: string,
    ip: string,
    locale: string | undefined,
  ): Promise<ChallengeView> {
    if (record.ch === TOTP) {
      // The code is in the person's app: nothing to make or send.
      record.h = '';
      await guarded('saving challenge', () => store.set(challengeKey(flowId), JSON.stringify(record), config.ttl));
      return toView(record);
    }
    const code = newCode();
    record.h = codeDigest(flowId, record.n, code).toString('base64url');
    await guarded('saving challenge', () => store.set(challengeKey(flowId), JSON.stringify(record), config.ttl));
    // After the response: the same path for known and unknown identities (decoys send nothing).
    deps.deliveries.start({
      flowId,
      n: record.n,
      channels: record.cs,
      user,
      code,
      host,
      ip,
      rule: record.r,
      destination: record.d,
      expiresAt: record.e,
      locale,
    });
    return toView(record);
  }

  async function load(flowId: string): Promise<ChallengeRecord | undefined> {
    const raw = await guarded('loading challenge', () => store.get(challengeKey(flowId)));
    return raw === undefined ? undefined : (JSON.parse(raw) as ChallengeRecord);
  }

  return {
    async checkPassword(input) {
      const { user, phone: typed } = deps.directory().lookup(input.identifier);
      const k = limitKey(input.identifier, typed, user);
      const locked = await lockout.lockedFor(k);
      if (locked !== undefined) return { kind: 'locked', retryAfterMs: locked };
      if (await deps.passwords.check(user, input.password)) return { kind: 'ok', user: user! };
      const outcome = await lockout.fail(
        k,
        1,
        { user: user?.username, ip: input.ip, rule: input.rule },
        'wrong password',
      );
      return outcome.kind === 'wrong' && outcome.lockNow
        ? { kind: 'locked', retryAfterMs: config.lockoutDuration }
        : { kind: 'wrong' };
    },

    async start(input) {
      const directory = deps.directory();
      // The same work for known and unknown identities (results unused for real users), so the
      // answer takes as long either way. Unknown ones count against the number they typed, or a
      // stable decoy number.
      const { user, phone: typed } = directory.lookup(input.identifier);
      const decoy = decoyNumber(
        input.identifier,
        typed,
        directory,
        (s) => signer.digest('decoy', s),
        deps.defaultCountry,
      );
      const k = limitKey(input.identifier, typed, user);
      const number = user ? user.phone : decoy;
      const to = destinationKeys(user?.username ?? input.identifier, number);
      const ordered = orderChannels(
        input.channels,
        user?.channels ?? [],
        deps.channels,
        deps.totp !== undefined,
        deps.health?.isUp,
      );
      const sharedExempt = user !== undefined && input.knownBrowser === user.username;
      let channels = ordered;
      let refusal =
        ordered[0] === TOTP
          ? lockRefusal(await lockout.lockedFor(k))
          : await checkSendLimits({
              k,
              ip: input.ip,
              lastSentAt: undefined,
              to,
              decoy: user === undefined,
              sharedExempt,
            });
      if (refusal && isSharedCap(refusal) && ordered.includes(TOTP)) {
        // The bill's cap is reached, but the authenticator app sends nothing: it comes first.
        channels = [TOTP, ...ordered.filter((c) => c !== TOTP)];
        refusal = undefined;
      }
      const appFirst = channels[0] === TOTP;
      const auditBase = { user: user?.username, ip: input.ip, rule: input.rule, flow: auditFlowId(input.flowId) };
      if (refusal) {
        deps.audit.record({ event: 'send_refused', ...auditBase, outcome: 'refused', reason: refusal.reason });
        return { ok: false, refusal };
      }
      const now = clock.now();
      // A user without a phone (app only) is shown a decoy, like an unknown identity.
      const destination = describeDestination(number ?? decoy);
      const record: ChallengeRecord = {
        // Nothing is sent when the app comes first, so asking for a sent code instead need not wait.
        k,
        ...(user ? { u: user.username } : {}),
        h: '',
        n: 1,
        e: now + config.ttl,
        t: appFirst ? now - config.resendAfter : now,
        d: destination,
        ch: channels[0] ?? 'console',
        rd: input.returnTo,
        r: input.rule,
        cs: channels.filter((c) => c !== TOTP),
        ...to,
        ...(input.proven?.length ? { pf: [...input.proven] } : {}),
        ...(channels.includes(TOTP) ? { tp: 1 as const } : {}),
        ...(input.trustDeviceMs === undefined ? {} : { td: input.trustDeviceMs }),
        ...(sharedExempt ? { sx: 1 as const } : {}),
      };
      deps.audit.record({ event: 'challenge_started', ...auditBase, outcome: 'ok', channel: record.ch, destination });
      return { ok: true, view: await issue(input.flowId, record, user, input.host, input.ip, input.locale) };
    },

    async resend(input) {
      const record = await load(input.flowId);
      if (!record) return undefined;
      const toApp = input.channel === TOTP && record.tp === 1;
      const refusal = toApp
        ? lockRefusal(await lockout.lockedFor(record.k))
        : await checkSendLimits({
            k: record.k,
            ip: input.ip,
            lastSentAt: record.t,
            to: record,
            decoy: record.u === undefined,
            sharedExempt: record.sx === 1,
          });
      if (refusal) {
        deps.audit.record({
          event: 'send_refused',
          user: record.u,
          ip: input.ip,
          rule: record.r,
          flow: auditFlowId(input.flowId),
          outcome: 'refused',
          reason: refusal.reason,
        });
        return { ok: false, refusal };
      }
      const now = clock.now();
      record.n += 1;
      record.e = now + config.ttl;
      if (toApp) record.ch = TOTP;
      else {
        // Only a code actually sent restarts the resend cooldown.
        record.t = now;
        if (input.channel !== undefined && record.cs.includes(input.channel)) {
          // The person picked a channel: it goes first, the rest keep their order behind it.
          record.cs = [input.channel, ...record.cs.filter((c) => c !== input.channel)];
          record.ch = input.channel;
        } else if (record.ch === TOTP) record.ch = record.cs[0] ?? 'console';
      }
      const user = record.u === undefined ? undefined : deps.directory().find(record.u);
      return { ok: true, view: await issue(input.flowId, record, user, input.host, input.ip, input.locale) };
    },

    async view(flowId) {
      const record = await load(flowId);
      return record && record.e > clock.now() ? toView(record) : undefined;
    },

    async verify(input) {
      const record = await load(input.flowId);
      if (!record || record.e <= clock.now()) return { kind: 'expired' };
      const locked = await lockout.lockedFor(record.k);
      if (locked !== undefined) return { kind: 'locked', retryAfterMs: locked };

      const attempt = await guarded('counting attempts', () =>
        store.increment(`attempts:${input.flowId}:${record.n}`, config.ttl),
      );
      const correct = attempt <= config.maxAttempts && (await isCorrect(input.flowId, record, input.code));
      const auditBase = { user: record.u, ip: input.ip, rule: record.r, flow: auditFlowId(input.flowId) };
      const outcome = correct
        ? judgeAttempt({ attempt, correct, failures: 0 }, config)
        : await lockout.fail(record.k, attempt, auditBase, 'wrong code');

      switch (outcome.kind) {
        case 'code-dead':
          return { kind: 'code-dead' };
        case 'wrong':
          return outcome.lockNow
            ? { kind: 'locked', retryAfterMs: config.lockoutDuration }
            : { kind: 'wrong', triesLeft: outcome.triesLeft };
        case 'accept': {
          // Single use: only the request that removes the record wins, however many raced here.
          const consumed = await guarded('consuming code', () => store.delete(challengeKey(input.flowId)));
          const user = deps.directory().find(record.u!);
          if (!consumed || !user) return { kind: 'expired' };
          await lockout.clear(record.k);
          await guarded('ending delivery', () => deps.deliveries.forget(input.flowId));
          return {
            kind: 'login',
            user,
            returnTo: record.rd,
            rule: record.r,
            factors: [...(record.pf ?? []), 'otp'],
            method: record.ch,
            trustDeviceMs: record.td,
          };
        }
      }
    },

    async idle() {
      await deps.deliveries.idle();
    },
  };
}

/** The caps everyone shares (number prefix, the gate's total), as opposed to a person's, address's or number's own. */
function isSharedCap(refusal: Refusal): boolean {
  return refusal.reason === 'prefix-hourly-limit' || refusal.reason === 'global-hourly-limit';
}

function lockRefusal(retryAfterMs: number | undefined): Refusal | undefined {
  return retryAfterMs === undefined ? undefined : { reason: 'locked-out', retryAfterMs };
}

/** People paste codes with spaces or dashes; only the digits count. */
function normaliseCode(code: string): string {
  return code.replace(/[\s-]/g, '');
}

/**
 * The user's own preferences first (where the rule allows them), then the rule's order; only
 * configured channels. Channels that are down (their provider away) go last: the code goes by one
 * that works, and a down one is still tried when nothing else is left.
 */
export function orderChannels(
  rule: readonly string[],
  preferred: readonly string[],
  configured: ReadonlyMap<string, unknown>,
  totp = false,
  isUp: (channel: string) => boolean = () => true,
): string[] {
  const allowed = rule.filter((c) => configured.has(c) || (totp && c === TOTP));
  const first = preferred.filter((c) => allowed.includes(c));
  const ordered = [...first, ...allowed.filter((c) => !first.includes(c))];
  const up = (c: string) => c === TOTP || isUp(c);
  return [...ordered.filter(up), ...ordered.filter((c) => !up(c))];
}
