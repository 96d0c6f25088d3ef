// Issuing and checking one-time codes for a login flow. Codes come from crypto.randomInt, are
// stored only as a keyed digest, compared in constant time, expire, are consumed once, and die
// after a few wrong tries; known and unknown identities take the same path and look the same.
import { randomInt, timingSafeEqual } from 'node:crypto';

import type { AuditLog } from '../audit/audit-log.js';
import { auditFlowId } from '../audit/audit-log.js';
import type { Channel } from '../channels/channel.js';
import type { ChannelHealth } from '../channels/channel-health.js';
import type { Deliveries, Destination } from '../channels/delivery.js';
import type { Figures } from '../channels/delivery-figures.js';
import { destinationOf } from '../channels/delivery-figures.js';
import { resendUnlocked } from '../channels/delivery-state.js';
import type { PumpingBreaker } from '../channels/pumping-breaker.js';
import type { SpendLedger } from '../channels/spend-ledger.js';
import type { OtpConfig, RoutingConfig } from '../config/types.js';
import { isEnrolledId } from '../directory/enrolled-id.js';
import type { Directory, User } from '../directory/types.js';
import { mayEnrol } from '../policy/enrol.js';
import type { EnrolRule, Factor } from '../policy/types.js';
import { TOTP } from '../policy/types.js';
import type { Signer } from '../session/signer.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/log.js';
import { networkKey } from '../shared/net/network-key.js';
import type { Store } from '../store/store.js';
import { guardStore } from '../store/store.js';
import { decoyEmail, decoyNumber, describeDestination, describeEmailDestination } from './destination.js';
import type { EnrolledPeople } from './enrolled-people.js';
import { enrolledUser } from './enrolled-people.js';
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
import { createSendingGuards } from './sending-guards.js';

/** What the code page may show about a challenge: nothing that tells a real user from a decoy. */
export interface ChallengeView {
  destination: string;
  channel: string;
  sentAt: number;
  expiresAt: number;
  /** When a new code may be asked for: at once when the provider reported this one failed. */
  resendAt: number;
  /** The destination's country ("IT"), for the arrival time the page tells; the same for decoys. */
  country: string | undefined;
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
      /** For an enrolled person (open enrolment): whether this was their first sign-in. */
      enrolment?: { first: boolean };
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
  /** The rule's open enrolment: a number it admits that nobody knows yet gets a real code. */
  enrol?: EnrolRule | undefined;
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

/** One login flow's current code and what it was asked for. */
interface Challenge {
  /** Keyed digest of the identity: every spelling of one person counts against one set of limits. */
  identity: string;
  /** Absent for identities the directory does not know (a decoy challenge). */
  username: string | undefined;
  /** Keyed digest of the code sent, base64url; empty while the code is in the person's app. */
  codeDigest: string;
  /** Code number within the flow, to key per-code attempt counters. */
  codeNumber: number;
  expiresAt: number;
  /** When a code was last sent (the resend cooldown counts from here). */
  sentAt: number;
  /** The destination as the page shows it (masked). */
  destination: string;
  /** The masked e-mail address, shown instead while the current channel sends e-mail; set when the rule has one. */
  emailDestination?: string | undefined;
  /** Where the current code went: a channel name, or "totp" (the person's app). */
  channel: string;
  returnTo: string;
  rule: string;
  /** Channels that send a code, in the order they will be tried. */
  channels: string[];
  /** Where codes go, as limit keys. */
  to: DestinationKeys;
  /** Factors proven before the code (a password). */
  proven: Factor[];
  /** The authenticator app may be used (the rule lists "totp"). */
  totpAllowed: boolean;
  /** The rule's trusted_device, ms. */
  trustDeviceMs: number | undefined;
  /** The browser has signed in as this person before: the shared caps do not apply. */
  sharedExempt: boolean;
  /** Open enrolment: the groups the rule enrols this number into (set when the rule lets it enrol). */
  enrolGroups: string[] | undefined;
}

interface DestinationKeys {
  /** Keyed digest naming the destination number, for the per-destination limit. */
  digest: string;
  /** Leading digits of the destination number, for the per-prefix limit; absent without a number. */
  prefix?: string | undefined;
  /** The destination number's country, for the delivery figures and prices; absent without a number. */
  country?: string | undefined;
}

/**
 * A challenge as the Store holds it. The keys stay short, as every instance of every release
 * sharing the store reads them (a rolling upgrade); only toStored and fromStored use them.
 * Flags are 1 or absent, lists absent when empty.
 */
interface StoredChallenge {
  k: string;
  u?: string;
  h: string;
  n: number;
  e: number;
  t: number;
  d: string;
  de?: string;
  ch: string;
  rd: string;
  r: string;
  cs: string[];
  dk: string;
  px?: string;
  cc?: string;
  pf?: Factor[];
  tp?: 1;
  td?: number;
  sx?: 1;
  eg?: string[];
}

function toStored(c: Challenge): string {
  const stored: StoredChallenge = {
    k: c.identity,
    ...(c.username === undefined ? {} : { u: c.username }),
    h: c.codeDigest,
    n: c.codeNumber,
    e: c.expiresAt,
    t: c.sentAt,
    d: c.destination,
    ...(c.emailDestination === undefined ? {} : { de: c.emailDestination }),
    ch: c.channel,
    rd: c.returnTo,
    r: c.rule,
    cs: c.channels,
    dk: c.to.digest,
    ...(c.to.prefix === undefined ? {} : { px: c.to.prefix }),
    ...(c.to.country === undefined ? {} : { cc: c.to.country }),
    ...(c.proven.length > 0 ? { pf: c.proven } : {}),
    ...(c.totpAllowed ? { tp: 1 as const } : {}),
    ...(c.trustDeviceMs === undefined ? {} : { td: c.trustDeviceMs }),
    ...(c.sharedExempt ? { sx: 1 as const } : {}),
    ...(c.enrolGroups === undefined ? {} : { eg: c.enrolGroups }),
  };
  return JSON.stringify(stored);
}

function fromStored(raw: string): Challenge {
  const r = JSON.parse(raw) as StoredChallenge;
  return {
    identity: r.k,
    username: r.u,
    codeDigest: r.h,
    codeNumber: r.n,
    expiresAt: r.e,
    sentAt: r.t,
    destination: r.d,
    emailDestination: r.de,
    channel: r.ch,
    returnTo: r.rd,
    rule: r.r,
    channels: r.cs,
    to: { digest: r.dk, prefix: r.px, country: r.cc },
    proven: r.pf ?? [],
    totpAllowed: r.tp === 1,
    trustDeviceMs: r.td,
    sharedExempt: r.sx === 1,
    enrolGroups: r.eg,
  };
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
  /** People enrolled by phone (open enrolment), looked up beside the directory. */
  people: Pick<EnrolledPeople, 'find' | 'signedIn'>;
  deliveries: Deliveries;
  audit: AuditLog;
  log: Logger;
  /** Channel order per destination; each rule's own order when absent or undefined. */
  routing?: (() => RoutingConfig | undefined) | undefined;
  /**
   * What was measured about each channel to a destination, for `routing.auto` (the figures
   * delivery statistics keep); without it auto routing keeps the configured order.
   */
  figures?: ((channels: readonly string[], where: Destination) => Promise<ReadonlyMap<string, Figures>>) | undefined;
  /** Prices and budgets; nothing is counted when absent. */
  spend?: SpendLedger | undefined;
  /** The pumping breaker; no prefix is ever paused when absent. */
  breaker?: PumpingBreaker | undefined;
}

const challengeKey = (flowId: string) => `challenge:${flowId}`;

export function createChallenges(deps: ChallengeDeps): Challenges {
  const { store, signer, clock, config } = deps;
  const lockout = createLockout(deps);
  const { routed, judgeSending } = createSendingGuards(deps);

  const identityKey = (identity: string) => signer.digest('identity', identity).toString('base64url').slice(0, 22);
  const codeDigest = (flowId: string, n: number, code: string) => signer.digest('code', `${flowId}:${n}:${code}`);

  function newCode(): string {
    return String(randomInt(0, 10 ** config.length)).padStart(config.length, '0');
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
    identity: string;
    ip: string;
    lastSentAt: number | undefined;
    to: DestinationKeys;
    decoy: boolean;
    sharedExempt: boolean;
  }): Promise<Refusal | undefined> {
    const { identity: k, ip, lastSentAt, to } = input;
    const now = clock.now();
    const locked = lockRefusal(await lockout.lockedFor(k));
    if (locked) return locked;
    const cooldown = checkCooldown(now, lastSentAt, config);
    if (cooldown) return cooldown;
    const window = hourWindow(now);
    const ttl = window.endsAt - now;
    const key = (name: string) => `sends:${name}:${window.id}`;
    const count = (name: string) => store.increment(key(name), ttl);
    const [identity, address, network] = await guardStore('counting sends', () =>
      store.incrementAll(
        [key(`id:${k}`), key(`ip:${ip}`), key(`net:${networkKey(ip, config.networkBits)}`)] as const,
        ttl,
      ),
    );
    const own = checkHourlyCaps(now, { identity, address, network }, config);
    if (own) return own;
    if (input.decoy) {
      const destination = await guardStore('counting sends', () => count(`decoy-to:${to.digest}`));
      return checkDestinationCaps(now, { destination, prefix: undefined, total: 0 }, config);
    }
    // The prefix is counted only where the number has one.
    const [destination, total, prefix] = await guardStore<[number, number, number?]>('counting sends', () =>
      to.prefix === undefined
        ? store.incrementAll([key(`to:${to.digest}`), key('all')] as const, ttl)
        : store.incrementAll([key(`to:${to.digest}`), key('all'), key(`prefix:${to.prefix}`)] as const, ttl),
    );
    const shared = checkDestinationCaps(now, { destination, prefix, total }, config);
    return shared && input.sharedExempt && isSharedCap(shared) ? undefined : shared;
  }

  /** Where the code goes, as limit keys: a digest of the number and its prefix. */
  function destinationKeys(who: string, number: string | undefined): DestinationKeys {
    if (number === undefined) return { digest: identityKey(`nophone:${who}`) };
    return {
      digest: identityKey(`to:${number}`),
      prefix: numberPrefix(number, config.prefixDigits),
      country: destinationOf(number).country,
    };
  }

  /**
   * The key every limit and the lockout count under: the user, or one spelling of what was typed
   * (its phone number when it is one, so limits can't be dodged by re-spelling).
   */
  function limitKey(identifier: string, typedPhone: string | undefined, user: User | undefined): string {
    const canonical = typedPhone ?? identifier.trim().toLowerCase();
    return identityKey(user ? `user:${user.username}` : `unknown:${canonical}`);
  }

  const reachesEmail = (channel: string) => deps.channels.get(channel)?.reaches === 'email';

  /** Where the page says the current code went: the e-mail address while it goes by e-mail. */
  function shownDestination(c: Challenge): string {
    return reachesEmail(c.channel) && c.emailDestination !== undefined ? c.emailDestination : c.destination;
  }

  /**
   * Who signs in with a typed identifier: a users-file user, else an enrolled person, else a number
   * the rule lets enrol (a newcomer), else nobody (a decoy). The store is asked for every typed
   * number, known or not, so the answer takes as long whoever it names.
   */
  async function whoSignsIn(
    identifier: string,
    enrol: EnrolRule | undefined,
  ): Promise<{ user: User | undefined; typed: string | undefined; enrolGroups: string[] | undefined }> {
    const { user: known, phone: typed } = deps.directory().lookup(identifier);
    const person = typed === undefined ? undefined : await deps.people.find(typed);
    if (known) return { user: known, typed, enrolGroups: undefined };
    const enrolGroups =
      typed !== undefined && enrol !== undefined && mayEnrol(enrol, typed) ? [...enrol.groups] : undefined;
    if (person) return { user: enrolledUser(person), typed, enrolGroups };
    if (enrolGroups)
      return { user: enrolledUser({ number: typed!, name: undefined, groups: enrolGroups }), typed, enrolGroups };
    return { user: undefined, typed, enrolGroups: undefined };
  }

  /** The person a challenge is for, as now: a promotion to the users file or a removal since the code was sent counts. */
  async function personOf(c: Pick<Challenge, 'username' | 'enrolGroups'>): Promise<User | undefined> {
    if (c.username === undefined) return undefined;
    const known = deps.directory().find(c.username);
    if (known || !isEnrolledId(c.username)) return known;
    const person = await deps.people.find(c.username);
    if (person) return enrolledUser(person);
    return c.enrolGroups && enrolledUser({ number: c.username, name: undefined, groups: c.enrolGroups });
  }

  /** `unlocked`: the provider reported the code failed, so the cooldown is over. */
  function toView(c: Challenge, unlocked = false): ChallengeView {
    const { channel, sentAt, expiresAt, returnTo, rule, trustDeviceMs } = c;
    return {
      destination: shownDestination(c),
      channel,
      sentAt,
      expiresAt,
      resendAt: unlocked ? Math.min(sentAt + config.resendAfter, clock.now()) : sentAt + config.resendAfter,
      country: c.to.country,
      returnTo,
      rule,
      channels: c.totpAllowed ? [...c.channels, TOTP] : c.channels,
      trustDeviceMs,
    };
  }

  /** Whether the code typed is right: the sent code's digest, or the user's authenticator app. */
  async function isCorrect(flowId: string, challenge: Challenge, code: string): Promise<boolean> {
    if (challenge.channel === TOTP) return (await deps.totp?.verify(challenge.username, code)) === 'ok';
    const given = codeDigest(flowId, challenge.codeNumber, normaliseCode(code));
    const expected = Buffer.from(challenge.codeDigest, 'base64url');
    return challenge.username !== undefined && expected.length === given.length && timingSafeEqual(expected, given);
  }

  async function issue(
    flowId: string,
    challenge: Challenge,
    user: User | undefined,
    host: string,
    ip: string,
    locale: string | undefined,
  ): Promise<ChallengeView> {
    const save = () =>
      guardStore('saving challenge', () => store.set(challengeKey(flowId), toStored(challenge), config.ttl));
    if (challenge.channel === TOTP) {
      // The code is in the person's app: nothing to make or send.
      challenge.codeDigest = '';
      await save();
      return toView(challenge);
    }
    const code = newCode();
    challenge.codeDigest = codeDigest(flowId, challenge.codeNumber, code).toString('base64url');
    await save();
    // After the response: the same path for known and unknown identities (decoys send nothing).
    const { codeNumber: n, channels, rule, expiresAt } = challenge;
    const destination = shownDestination(challenge);
    const where = { country: challenge.to.country, prefix: challenge.to.prefix };
    deps.deliveries.start({ flowId, n, channels, user, code, host, ip, rule, destination, expiresAt, locale, where });
    return toView(challenge);
  }

  /** Whether a failure report lifted the cooldown of the flow's current code. */
  async function unlocked(flowId: string, challenge: Challenge): Promise<boolean> {
    if (challenge.channel === TOTP) return false;
    return resendUnlocked(await deps.deliveries.state(flowId), challenge.codeNumber);
  }

  async function load(flowId: string): Promise<Challenge | undefined> {
    const raw = await guardStore('loading challenge', () => store.get(challengeKey(flowId)));
    return raw === undefined ? undefined : fromStored(raw);
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
      // stable decoy number. A number the rule lets enrol is a person like any other: the same
      // limits, and the shared caps that guard the bill (issue 21: no cheaper pumping path).
      const { user, typed, enrolGroups } = await whoSignsIn(input.identifier, input.enrol);
      const decoy = decoyNumber(
        input.identifier,
        typed,
        directory,
        (s) => signer.digest('decoy', s),
        deps.defaultCountry,
      );
      const identity = limitKey(input.identifier, typed, user);
      const number = user ? user.phone : decoy;
      const to = destinationKeys(user?.username ?? input.identifier, number);
      const ordered = orderChannels(
        await routed(input.channels, number, to),
        user?.channels ?? [],
        deps.channels,
        deps.totp !== undefined,
        deps.health?.isUp,
      );
      const sharedExempt = user !== undefined && input.knownBrowser === user.username;
      const judged = ordered[0] === TOTP ? undefined : await judgeSending(ordered, to, input.ip);
      let channels = judged?.kind === 'send' ? judged.channels : ordered;
      let refusal =
        judged?.kind === 'held'
          ? judged.refusal
          : channels[0] === TOTP
            ? lockRefusal(await lockout.lockedFor(identity))
            : await checkSendLimits({
                identity,
                ip: input.ip,
                lastSentAt: undefined,
                to,
                decoy: user === undefined,
                sharedExempt,
              });
      const appMayStandIn =
        judged?.kind === 'held' ? judged.appMayStandIn : refusal !== undefined && isSharedCap(refusal);
      if (refusal && appMayStandIn && ordered.includes(TOTP)) {
        // Codes may not go (the bill's cap, a budget, a paused prefix), but the authenticator
        // app sends nothing: it comes first.
        channels = [TOTP, ...ordered.filter((c) => c !== TOTP)];
        refusal = judged?.kind === 'held' ? lockRefusal(await lockout.lockedFor(identity)) : undefined;
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
      // Worked out for known and unknown identities alike; a user without an address is shown a decoy too.
      const emailDestination = ordered.some(reachesEmail)
        ? describeEmailDestination(
            user?.email ?? decoyEmail(input.identifier, directory, (s) => signer.digest('decoy-email', s)),
          )
        : undefined;
      const challenge: Challenge = {
        identity,
        username: user?.username,
        codeDigest: '',
        codeNumber: 1,
        expiresAt: now + config.ttl,
        // Nothing is sent when the app comes first, so asking for a sent code instead need not wait.
        sentAt: appFirst ? now - config.resendAfter : now,
        destination,
        emailDestination,
        channel: channels[0] ?? 'console',
        returnTo: input.returnTo,
        rule: input.rule,
        channels: channels.filter((c) => c !== TOTP),
        to,
        proven: [...(input.proven ?? [])],
        totpAllowed: channels.includes(TOTP),
        trustDeviceMs: input.trustDeviceMs,
        sharedExempt,
        enrolGroups,
      };
      deps.audit.record({
        event: 'challenge_started',
        ...auditBase,
        outcome: 'ok',
        channel: challenge.channel,
        destination: shownDestination(challenge),
      });
      return { ok: true, view: await issue(input.flowId, challenge, user, input.host, input.ip, input.locale) };
    },

    async resend(input) {
      const challenge = await load(input.flowId);
      if (!challenge) return undefined;
      const { identity, username, to, sharedExempt } = challenge;
      const toApp = input.channel === TOTP && challenge.totpAllowed;
      // The person picked a channel: it goes first, the rest keep their order behind it.
      const picked = input.channel !== undefined && challenge.channels.includes(input.channel);
      const order = picked
        ? [input.channel!, ...challenge.channels.filter((c) => c !== input.channel)]
        : challenge.channels;
      const judged = toApp ? undefined : await judgeSending(order, to, input.ip);
      const refusal = toApp
        ? lockRefusal(await lockout.lockedFor(identity))
        : judged?.kind === 'held'
          ? judged.refusal
          : await checkSendLimits({
              identity,
              ip: input.ip,
              lastSentAt: (await unlocked(input.flowId, challenge)) ? undefined : challenge.sentAt,
              to,
              decoy: username === undefined,
              sharedExempt,
            });
      if (refusal) {
        deps.audit.record({
          event: 'send_refused',
          user: username,
          ip: input.ip,
          rule: challenge.rule,
          flow: auditFlowId(input.flowId),
          outcome: 'refused',
          reason: refusal.reason,
        });
        return { ok: false, refusal };
      }
      const now = clock.now();
      challenge.codeNumber += 1;
      challenge.expiresAt = now + config.ttl;
      if (toApp) challenge.channel = TOTP;
      else {
        // Only a code actually sent restarts the resend cooldown.
        challenge.sentAt = now;
        challenge.channels = judged?.kind === 'send' ? judged.channels : order;
        challenge.channel = challenge.channels[0] ?? 'console';
      }
      const user = await personOf(challenge);
      return { ok: true, view: await issue(input.flowId, challenge, user, input.host, input.ip, input.locale) };
    },

    async view(flowId) {
      const challenge = await load(flowId);
      if (!challenge || challenge.expiresAt <= clock.now()) return undefined;
      return toView(challenge, await unlocked(flowId, challenge));
    },

    async verify(input) {
      const challenge = await load(input.flowId);
      if (!challenge || challenge.expiresAt <= clock.now()) return { kind: 'expired' };
      const { identity, username, rule } = challenge;
      const locked = await lockout.lockedFor(identity);
      if (locked !== undefined) return { kind: 'locked', retryAfterMs: locked };

      const attempt = await guardStore('counting attempts', () =>
        store.increment(`attempts:${input.flowId}:${challenge.codeNumber}`, config.ttl),
      );
      const correct = attempt <= config.maxAttempts && (await isCorrect(input.flowId, challenge, input.code));
      const auditBase = { user: username, ip: input.ip, rule, flow: auditFlowId(input.flowId) };
      const outcome = correct
        ? judgeAttempt({ attempt, correct, failures: 0 }, config)
        : await lockout.fail(identity, attempt, auditBase, 'wrong code');

      switch (outcome.kind) {
        case 'code-dead':
          return { kind: 'code-dead' };
        case 'wrong':
          return outcome.lockNow
            ? { kind: 'locked', retryAfterMs: config.lockoutDuration }
            : { kind: 'wrong', triesLeft: outcome.triesLeft };
        case 'accept': {
          // Single use: only the request that removes the record wins, however many raced here.
          const consumed = await guardStore('consuming code', () => store.delete(challengeKey(input.flowId)));
          const found = await personOf(challenge);
          if (!consumed || !found) return { kind: 'expired' };
          await lockout.clear(identity);
          if (challenge.channel !== TOTP && challenge.to.prefix !== undefined)
            await deps.breaker
              ?.verified(challenge.to.prefix)
              .catch((err: unknown) => deps.log.warn({ err }, 'pumping breaker: counting a verified code failed'));
          const { returnTo, channel: method, trustDeviceMs } = challenge;
          const verifiedCode = method === TOTP ? undefined : challenge.codeNumber;
          await guardStore('ending delivery', () => deps.deliveries.forget(input.flowId, verifiedCode));
          const factors: Factor[] = [...challenge.proven, 'otp'];
          const login = { kind: 'login' as const, returnTo, rule, factors, method, trustDeviceMs };
          if (!isEnrolledId(found.username)) return { ...login, user: found };
          // An enrolled person's sign-in is recorded (first and last, and the groups this rule enrols into).
          const { person, first } = await deps.people.signedIn(found.username, challenge.enrolGroups ?? []);
          return { ...login, user: enrolledUser(person), enrolment: { first } };
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
