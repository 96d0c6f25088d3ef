// The text `otp-gate explain` prints: the facts of the request, each rule tried with HIT or MISS
// and why, the decision, and, given a user, whether that person would get through.
import { formatDuration } from '../config/duration.js';
import { admits } from './decide.js';
import type { CompiledRule, Decision, RequestFacts, Subject, TraceStep } from './types.js';

export interface ExplainSubject extends Subject {
  /** Age of the person's session, ms, to say whether it is still within the rule's lifetime. */
  sessionAgeMs?: number;
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
      return `=> challenge ${by}: channels ${rule.channels.join(', ') || '(none)'}; session lifetime ${formatDuration(rule.sessionLifetime)}; ${admitsText(rule)}`;
  }
}

/** Who a challenge rule lets through: "admits groups [admins]", "admits any known user". */
export function admitsText(rule: CompiledRule): string {
  const parts: string[] = [];
  if (rule.users) parts.push(`users [${[...rule.users].join(', ')}]`);
  if (rule.groups) parts.push(`groups [${[...rule.groups].join(', ')}]`);
  return parts.length ? `admits ${parts.join(' or ')}` : 'admits any known user';
}

function subjectLines(decision: Decision, subject: ExplainSubject): string[] {
  const who = `user ${JSON.stringify(subject.user)} (groups [${subject.groups.join(', ')}])`;
  if (decision.action === 'bypass') return [`${who}: no sign-in needed`];
  if (decision.action === 'deny') return [`${who}: denied, like everyone`];
  const rule = decision.rule;
  const lines: string[] = [];
  // The same order as serving: an expired session is challenged before admission is asked.
  if (subject.sessionAgeMs !== undefined) {
    const age = formatDuration(subject.sessionAgeMs);
    const limit = formatDuration(rule.sessionLifetime);
    lines.push(
      subject.sessionAgeMs >= rule.sessionLifetime
        ? `a session ${age} old is past this rule's ${limit}: asked for a new code`
        : `a session ${age} old is within this rule's ${limit}`,
    );
  }
  lines.push(admits(rule, subject) ? `${who}: admitted` : `${who}: not admitted (the rule ${admitsText(rule)}): denied after sign-in`);
  return lines;
}
