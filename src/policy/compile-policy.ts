// Compiles validated raw rules, in evaluation order, into matchers built once, and collects every
// problem at the rule it is about. A policy with any error compiles to no rules at all, which
// denies everything: a caller that ignores the problems still fails closed.
import { formatDuration, parseDuration } from '../shared/duration.js';
import type { Problem } from '../shared/problem.js';
import type { Condition } from './conditions.js';
import { hostCondition, methodCondition, networkCondition, pathCondition } from './conditions.js';
import { compileEnrol } from './enrol.js';
import type { LintEntry } from './lint.js';
import { lintPolicy } from './lint.js';
import type {
  CompiledPolicy,
  CompiledRule,
  Factor,
  MissReason,
  PossessionFactor,
  RawRule,
  RequestFacts,
  RuleOrigin,
} from './types.js';
import { APPROVAL_CHANNELS, TOTP, WEBAUTHN } from './types.js';

export interface RuleSource {
  raw: RawRule;
  origin: RuleOrigin;
  /** Option path of the rule within its file, for problems: "rules[2]". */
  path: string;
}

export interface CompileContext {
  /** session.lifetime, ms: the lifetime of challenge rules without session_lifetime. */
  defaultLifetimeMs: number;
  /** Configured channel names in config order: the channels of challenge rules without any. */
  channels: readonly string[];
}

export interface CompiledResult {
  policy: CompiledPolicy;
  problems: Problem[];
}

type Report = (option: string, message: string, severity?: Problem['severity']) => void;

export function compilePolicy(rules: ReadonlyArray<RuleSource>, ctx: CompileContext): CompiledResult {
  const problems: Problem[] = [];
  const compiled: CompiledRule[] = [];
  const countInFile = new Map<string, number>();
  const byName = new Map<string, CompiledRule>();
  const lintEntries: LintEntry[] = [];

  rules.forEach((source, index) => {
    const n = (countInFile.get(source.origin.file) ?? 0) + 1;
    countInFile.set(source.origin.file, n);
    let broken = false;
    const report: Report = (option, message, severity = 'error') => {
      if (severity === 'error') broken = true;
      problems.push({
        ...at(source.origin),
        path: option ? `${source.path}.${option}` : source.path,
        message,
        severity,
      });
    };
    const { rule } = compileRule(source, index, n, ctx, report);
    lintEntries.push({ raw: source.raw, rule, path: source.path, broken });
    const twin = byName.get(rule.name);
    if (twin)
      report(
        'name',
        `rule name "${rule.name}" is also used at ${where(twin.origin)}; explain and audit lines will not tell them apart`,
        'warning',
      );
    else byName.set(rule.name, rule);
    compiled.push(rule);
  });
  // Shadowed rules and overlaps that make order matter (lint.ts): warnings, never errors.
  problems.push(...lintPolicy(lintEntries));

  const failed = problems.some((p) => p.severity === 'error');
  return { policy: { rules: failed ? [] : compiled }, problems };
}

function compileRule(source: RuleSource, index: number, n: number, ctx: CompileContext, report: Report) {
  const { raw, origin } = source;
  const conditions: Condition[] = [];
  // Cheapest first: the first condition that misses ends the rule.
  const add = (
    list: string[] | undefined,
    option: string,
    build: (l: string[], r: Report) => Condition | undefined,
  ) => {
    if (list === undefined) return;
    if (list.length === 0) return report(option, `${option}: [] matches nothing; leave ${option} out to match any`);
    const condition = build(list, report);
    if (condition) conditions.push(condition);
  };
  add(raw.hosts, 'hosts', hostCondition);
  add(raw.methods, 'methods', methodCondition);
  add(raw.networks, 'networks', networkCondition);
  add(raw.paths, 'paths', (list, r) => pathCondition(list, r, raw.action !== 'bypass'));

  const challenge = compileChallenge(raw, ctx, report);
  const failing = (facts: RequestFacts): Condition | undefined => {
    for (let i = 0; i < conditions.length; i++) if (!conditions[i]!.test(facts)) return conditions[i];
    return undefined;
  };
  const rule: CompiledRule = {
    index,
    name: raw.name ?? `${basename(origin.file)}#${n}`,
    origin,
    action: raw.action,
    ...challenge,
    match(facts): MissReason | undefined {
      const miss = failing(facts);
      return miss === undefined ? undefined : { field: miss.field, detail: miss.describe(facts) };
    },
    matches: (facts) => failing(facts) === undefined,
  };
  return { rule, conditionCount: conditions.length };
}

type ChallengeParts = Pick<
  CompiledRule,
  | 'users'
  | 'groups'
  | 'channels'
  | 'sessionLifetime'
  | 'factors'
  | 'maxSessionAge'
  | 'trustedDevice'
  | 'enrol'
  | 'tokens'
  | 'basic'
>;

const CHALLENGE_ONLY = [
  'channels',
  'session_lifetime',
  'factors',
  'require',
  'max_session_age',
  'trusted_device',
  'enrol',
  'tokens',
  'basic',
] as const;

function compileChallenge(raw: RawRule, ctx: CompileContext, report: Report): ChallengeParts {
  if (raw.action !== 'challenge') {
    // They cannot apply: no session is looked at before a bypass or deny, so they would only
    // suggest a restriction (or an exception) that is not there.
    const why =
      raw.action === 'bypass'
        ? 'a bypass rule lets everyone through without signing in'
        : 'a deny rule refuses everyone, signed in or not';
    if (raw.users !== undefined) report('users', `users/groups apply only to challenge rules: ${why}`);
    if (raw.groups !== undefined) report('groups', `users/groups apply only to challenge rules: ${why}`);
    for (const option of CHALLENGE_ONLY)
      if (raw[option] !== undefined) report(option, `${option} applies only to challenge rules`);
    return {
      users: undefined,
      groups: undefined,
      channels: [],
      sessionLifetime: ctx.defaultLifetimeMs,
      factors: [],
      maxSessionAge: undefined,
      trustedDevice: undefined,
      enrol: undefined,
      tokens: undefined,
      basic: false,
    };
  }
  for (const option of ['users', 'groups'] as const) {
    if (raw[option]?.length === 0)
      report(option, `${option}: [] admits nobody; leave ${option} out to admit any known user`);
  }
  const parts: ChallengeParts = {
    users: raw.users && new Set(raw.users.map((u) => u.toLowerCase())),
    groups: raw.groups && new Set(raw.groups),
    channels: compileChannels(raw.channels, ctx, report),
    sessionLifetime: compileLifetime(raw.session_lifetime, ctx, report),
    factors: compileFactors(raw, ctx, report),
    maxSessionAge: positiveDuration(raw.max_session_age, 'max_session_age', report),
    trustedDevice: positiveDuration(raw.trusted_device, 'trusted_device', report),
    enrol: compileEnrol(raw.enrol, report),
    tokens: raw.tokens && new Set(raw.tokens),
    basic: raw.basic ?? false,
  };
  if (parts.enrol) checkEnrolment(parts, report);
  return parts;
}

/** An enrolling rule must be able to send a code and let the people it enrols through. */
function checkEnrolment(parts: ChallengeParts, report: Report): void {
  if (parts.factors.includes('password'))
    report('enrol', 'enrol cannot be combined with factors ["password", "otp"]: enrolled people have no password');
  if (parts.channels.length > 0 && parts.channels.every((c) => c === TOTP))
    report('enrol', 'enrol needs a channel that sends a code (WhatsApp or SMS): a new number has no authenticator app');
  const { groups } = parts.enrol!;
  const restricted = parts.users !== undefined || parts.groups !== undefined;
  if (restricted && !groups.some((g) => parts.groups?.has(g)))
    report(
      'enrol.groups',
      'the rule admits none of the groups it enrols into, so everyone it enrols would be denied: list one of them in groups',
    );
}

const POSSESSION: readonly PossessionFactor[] = ['otp', 'webauthn', 'passkey'];

/**
 * A password (optional) then exactly one thing the person has, asked last: a password alone is
 * not what this gate is for. `require: phishing_resistant` turns a code into a passkey or key.
 */
function compileFactors(raw: RawRule, ctx: CompileContext, report: Report): readonly Factor[] {
  const listed = raw.factors ?? ['otp'];
  const had = POSSESSION.filter((f) => listed.includes(f));
  if (had.length === 0)
    report(
      'factors',
      'factors must include "otp", "webauthn" or "passkey": a password alone is not a second factor; write ["password", "otp"]',
    );
  if (had.length > 1)
    report('factors', `factors lists ${had.join(' and ')}: a rule asks for one of "otp", "webauthn" or "passkey"`);
  if (new Set(listed).size !== listed.length) report('factors', 'a factor is listed twice', 'warning');
  const password = listed.includes('password');
  if (password && had[0] === 'passkey')
    report('factors', '"passkey" signs in without a password; write ["password", "webauthn"] for both');
  const possession = raw.require === 'phishing_resistant' && had[0] !== 'passkey' ? 'webauthn' : (had[0] ?? 'otp');
  if (possession !== 'otp' && !ctx.channels.includes(WEBAUTHN))
    report(
      raw.factors?.includes(possession) ? 'factors' : 'require',
      `${possession === 'passkey' ? 'a passkey' : 'a passkey or security key'} needs the webauthn: section in the config`,
    );
  if (possession !== 'otp' && raw.trusted_device !== undefined)
    report(
      'trusted_device',
      'a trusted browser stands in for a code only, never for a passkey or security key: this rule will not honour it',
      'warning',
    );
  return password ? ['password', possession] : [possession];
}

function positiveDuration(text: string | undefined, option: string, report: Report): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseDuration(text);
  if (ms === undefined) report(option, `"${text}" is not a duration like "30m", "12h" or "1h30m"`);
  else if (ms <= 0) report(option, `${option} must be longer than zero`);
  return ms;
}

function compileChannels(listed: string[] | undefined, ctx: CompileContext, report: Report): readonly string[] {
  if (listed === undefined) {
    if (ctx.channels.length === 0)
      report('action', 'no channel is configured, so this challenge could never send a code');
    // Approval from a phone changes the sign-in's steps: only a rule that lists it gets it.
    return ctx.channels.filter((c) => !APPROVAL_CHANNELS.includes(c));
  }
  const out: string[] = [];
  listed.forEach((name, i) => {
    if (!ctx.channels.includes(name)) {
      const known = ctx.channels.length ? `configured: ${ctx.channels.join(', ')}` : 'none are configured';
      report(`channels[${i}]`, `channel "${name}" is not configured (${known})`);
    } else if (out.includes(name)) report(`channels[${i}]`, `channel "${name}" is listed twice`, 'warning');
    else out.push(name);
  });
  if (listed.length === 0)
    report('channels', 'channels: [] could never send a code; leave channels out to use every configured channel');
  // The sign-in waits for a phone's approval only when such a channel comes first.
  const late = out.findIndex(
    (c, i) => i > 0 && APPROVAL_CHANNELS.includes(c) && !APPROVAL_CHANNELS.includes(out[i - 1]!),
  );
  if (late > 0)
    report(
      `channels[${late}]`,
      `"${out[late]}" comes after a channel that sends a code, so it is never offered: list the approval channels (scan, whatsapp_reply, push) first`,
      'warning',
    );
  return out;
}

function compileLifetime(text: string | undefined, ctx: CompileContext, report: Report): number {
  const ms = positiveDuration(text, 'session_lifetime', report);
  if (ms !== undefined && ms > ctx.defaultLifetimeMs) {
    report(
      'session_lifetime',
      `${text} is longer than session.lifetime (${formatDuration(ctx.defaultLifetimeMs)}), which ends every session first`,
      'warning',
    );
  }
  return ms ?? ctx.defaultLifetimeMs;
}

function at(origin: RuleOrigin): Pick<Problem, 'file' | 'line' | 'col'> {
  return { file: origin.file, line: origin.line, col: origin.col };
}

export function where(origin: RuleOrigin): string {
  return `${origin.file}:${origin.line}:${origin.col}`;
}

/** The file name without folders, either separator: the engine stays free of node:path. */
function basename(file: string): string {
  return file.slice(Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\')) + 1);
}
