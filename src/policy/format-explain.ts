// The text `otp-gate explain` prints: the facts of the request, each rule tried with HIT or MISS
// and why, the decision, and, given a user, whether that person would get through.
import { formatDuration } from '../shared/duration.js';
import { admits } from './decide.js';
import { enrolText } from './enrol.js';
import { approvalChannels, approvalFirst } from './login-rule.js';
import type { TokenVisit } from './outcome.js';
import { describedProof, shortfall, SHORTFALL_TEXT } from './proof.js';
import { describeBearer, TOKEN_SHORTFALL_TEXT, tokenShortfall } from './token-admission.js';
import type { CompiledRule, Decision, Factor, RequestFacts, Subject, TraceStep } from './types.js';
import { PUSH, SCAN, WHATSAPP_REPLY } from './types.js';

export interface ExplainSubject extends Subject {
  /** Age of the person's session, ms, to say whether it is still within the rule's lifetime. */
  sessionAgeMs?: number;
  /** What that session proved; a one-time code when absent. */
  factors?: readonly Factor[];
  /** For a phone number not in the users file: whether the deciding rule lets it enrol. */
  mayEnrol?: boolean;
  /** Present when the request carries a token rather than a session cookie. */
  token?: TokenVisit;
}

export function formatExplain(
  result: { decision: Decision; trace: readonly TraceStep[] },
  facts: RequestFacts,
  subject?: ExplainSubject,
): string {
  const lines = [
    `host     ${facts.host}`,
    `path     ${facts.path}`,
    `method   ${facts.method}`,
    `address  ${facts.ip}`,
    '',
  ];
  if (result.trace.length === 0) lines.push('(the policy has no rules)');
  for (const step of result.trace) {
    const head = `${step.hit ? 'HIT ' : 'MISS'}  ${label(step.rule)}`;
    lines.push(step.miss ? `${head}: ${step.miss.detail}` : head);
  }
  lines.push(verdict(result.decision));
  if (subject) lines.push(...subjectLines(result.decision, subject));
  return lines.join('\n');
}

function label(rule: CompiledRule): string {
  const { file, line, col } = rule.origin;
  return `rules[${rule.index}] ${JSON.stringify(rule.name)} (${file}:${line}:${col})`;
}

/** The decision in one line: "challenge by \"admin\": channels …; session lifetime 1h; admits …". */
export function verdict(decision: Decision): string {
  const rule = decision.rule;
  if (rule === undefined) return '=> deny: no rule matched (default deny)';
  const by = `by ${JSON.stringify(rule.name)}`;
  switch (decision.action) {
    case 'bypass':
      return `=> bypass ${by}: forwarded without a session`;
    case 'deny':
      return `=> deny ${by}`;
    case 'challenge':
      return `=> challenge ${by}: ${needsText(rule)}; ${admitsText(rule)}`;
  }
}

/** What a challenge rule asks of a person: "factors password + otp; channels sms, totp; session lifetime 12h; step-up after 10m". */
export function needsText(rule: CompiledRule): string {
  const parts = [
    `factors ${rule.factors.join(' + ')}`,
    `channels ${rule.channels.join(', ') || '(none)'}`,
    `session lifetime ${formatDuration(rule.sessionLifetime)}`,
  ];
  const approvals = approvalChannels(rule);
  if (approvals.length > 0) parts.splice(2, 0, approvalText(rule, approvals));
  if (rule.maxSessionAge !== undefined) parts.push(`step-up after ${formatDuration(rule.maxSessionAge)}`);
  if (rule.trustedDevice !== undefined)
    parts.push(`trusted browsers honoured for ${formatDuration(rule.trustedDevice)}`);
  return parts.join('; ');
}

/** How a phone approves instead of a typed code, and whether that comes before any code is sent. */
const APPROVAL_WAYS: Record<string, string> = {
  [SCAN]: 'scan (a signed-in phone approves)',
  [WHATSAPP_REPLY]: 'whatsapp_reply (the person writes to the business number)',
  [PUSH]: 'push (a notification to a registered phone)',
};

function approvalText(rule: CompiledRule, approvals: readonly string[]): string {
  const ways = approvals.map((c) => APPROVAL_WAYS[c] ?? c).join(', ');
  return approvalFirst(rule)
    ? `approval from a phone first, no code sent unless asked: ${ways}`
    : `approval from a phone never offered, as a code channel is listed first: ${ways}`;
}

/** Who a challenge rule lets through: "admits groups [admins]", "admits any known user". */
export function admitsText(rule: CompiledRule): string {
  const parts: string[] = [];
  if (rule.users) parts.push(`users [${[...rule.users].join(', ')}]`);
  if (rule.groups) parts.push(`groups [${[...rule.groups].join(', ')}]`);
  const people = parts.length ? `admits ${parts.join(' or ')}` : 'admits any known user';
  const tokens = rule.tokens ? ` or service tokens [${[...rule.tokens].join(', ')}]` : '';
  const known = `${people}${tokens}${rule.basic ? '; tokens may come as Basic' : ''}`;
  return rule.enrol ? `${known}; ${enrolText(rule.enrol)}` : known;
}

function subjectLines(decision: Decision, subject: ExplainSubject): string[] {
  const bearer = subject.token && { ...subject.token, name: subject.user, groups: subject.groups };
  const kind = subject.enrolled === true ? 'enrolled person' : 'user';
  const who = bearer
    ? describeBearer(bearer)
    : `${kind} ${JSON.stringify(subject.user)} (groups [${subject.groups.join(', ')}])`;
  if (decision.action === 'bypass') return [`${who}: no sign-in needed`];
  if (decision.action === 'deny') return [`${who}: denied, like everyone`];
  const rule = decision.rule;
  if (bearer) {
    const short = tokenShortfall(rule, bearer);
    return [short === undefined ? `${who}: admitted` : `${who}: refused (403): ${TOKEN_SHORTFALL_TEXT[short]}`];
  }
  const lines: string[] = [];
  if (subject.mayEnrol !== undefined)
    lines.push(
      subject.mayEnrol
        ? `${who}: may enrol here with a code sent to that number`
        : `${who}: may not enrol here: answered like an unknown name, and no code is sent`,
    );
  // The same order as serving: a session that falls short is challenged before admission is asked.
  if (subject.sessionAgeMs !== undefined) {
    const age = formatDuration(subject.sessionAgeMs);
    const proof = describedProof({ ...subject, sessionAgeMs: subject.sessionAgeMs });
    const short = shortfall(rule, proof);
    lines.push(
      short === undefined
        ? `a session ${age} old (factors ${proof.factors.join(' + ')}) is enough for this rule`
        : `a session ${age} old: ${SHORTFALL_TEXT[short]}`,
    );
  }
  lines.push(
    admits(rule, subject)
      ? `${who}: admitted`
      : `${who}: not admitted (the rule ${admitsText(rule)}): denied after sign-in`,
  );
  return lines;
}
