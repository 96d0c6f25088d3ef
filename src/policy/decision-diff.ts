// Compares what two versions of a policy decide for one request and says whether the change
// opens it (less is asked of the person), closes it, or only changes details. Pure: the
// decisions come from the one engine (decide/admits via outcomeOf); this only reads them.
import { formatDuration } from '../shared/duration.js';
import { decide } from './decide.js';
import { enrolText } from './enrol.js';
import type { Outcome, Visitor } from './outcome.js';
import { outcomeOf } from './outcome.js';
import type { CompiledPolicy, CompiledRule, Decision, RequestFacts } from './types.js';

export interface Evaluation {
  decision: Decision;
  /** For a signed-in visitor: what happens to them. */
  outcome: Outcome | undefined;
}

export type Direction = 'opens' | 'closes' | 'mixed' | 'changes' | 'same-effect';

export interface DecisionChange {
  direction: Direction;
  /** What the new policy lets through that the old one did not, in words. */
  opens: string[];
  /** What the new policy stops that the old one let through. */
  closes: string[];
  /** Differences that neither open nor close (the channels a code goes to). */
  other: string[];
}

export function evaluate(policy: CompiledPolicy, facts: RequestFacts, visitor: Visitor | undefined): Evaluation {
  const decision = decide(policy, facts);
  return { decision, outcome: visitor === undefined ? undefined : outcomeOf(decision, visitor).outcome };
}

// How much each answer lets through, least first.
const ACTION_RANK = { deny: 0, challenge: 1, bypass: 2 } as const;
const OUTCOME_RANK: Readonly<Record<Outcome, number>> = { deny: 0, challenge: 1, pass: 2 };

/** Undefined when both versions decide the same way by the same rule. */
export function compareDecisions(before: Evaluation, after: Evaluation): DecisionChange | undefined {
  const change: DecisionChange = { direction: 'changes', opens: [], closes: [], other: [] };
  const was = before.decision;
  const now = after.decision;
  if (was.action !== now.action) {
    const text = `${was.action} → ${now.action}: ${ACTION_WORDS[now.action]}`;
    (ACTION_RANK[now.action] > ACTION_RANK[was.action] ? change.opens : change.closes).push(text);
  } else if (was.action === 'challenge' && now.action === 'challenge') {
    compareChallenges(was.rule, now.rule, change);
  }
  if (before.outcome !== undefined && after.outcome !== undefined && before.outcome !== after.outcome) {
    const text = `for this user: ${before.outcome} → ${after.outcome}`;
    (OUTCOME_RANK[after.outcome] > OUTCOME_RANK[before.outcome] ? change.opens : change.closes).push(text);
  }
  const sameRule = was.rule?.name === now.rule?.name;
  if (change.opens.length + change.closes.length + change.other.length === 0) {
    if (sameRule) return undefined;
    change.direction = 'same-effect';
  } else if (change.opens.length > 0) change.direction = change.closes.length > 0 ? 'mixed' : 'opens';
  else if (change.closes.length > 0) change.direction = 'closes';
  return change;
}

const ACTION_WORDS = {
  bypass: 'forwarded without signing in',
  challenge: 'a one-time code is asked for',
  deny: 'refused',
} as const;

function compareChallenges(was: CompiledRule, now: CompiledRule, change: DecisionChange): void {
  compareAdmits(was, now, change);
  compareEnrol(was, now, change);
  if (was.sessionLifetime !== now.sessionLifetime) {
    const text = `session lifetime ${formatDuration(now.sessionLifetime)} (was ${formatDuration(was.sessionLifetime)})`;
    (now.sessionLifetime > was.sessionLifetime ? change.opens : change.closes).push(text);
  }
  if (was.channels.join('\n') !== now.channels.join('\n')) {
    change.other.push(`channels ${now.channels.join(', ')} (was ${was.channels.join(', ')})`);
  }
}

function compareAdmits(was: CompiledRule, now: CompiledRule, change: DecisionChange): void {
  const wasAny = was.users === undefined && was.groups === undefined;
  const nowAny = now.users === undefined && now.groups === undefined;
  if (wasAny || nowAny) {
    if (!wasAny) change.opens.push(`now admits any known user (was ${who(was)})`);
    else if (!nowAny) change.closes.push(`now admits only ${who(now)} (was any known user)`);
    return;
  }
  for (const [kind, before, after] of [
    ['users', was.users, now.users],
    ['groups', was.groups, now.groups],
  ] as const) {
    const added = [...(after ?? [])].filter((x) => !before?.has(x));
    const removed = [...(before ?? [])].filter((x) => !after?.has(x));
    if (added.length > 0) change.opens.push(`now admits ${kind} [${added.join(', ')}]`);
    if (removed.length > 0) change.closes.push(`no longer admits ${kind} [${removed.join(', ')}]`);
  }
}

/** Open enrolment added is an opening, removed a closing; changed is said as it now reads. */
function compareEnrol(was: CompiledRule, now: CompiledRule, change: DecisionChange): void {
  const before = was.enrol && enrolText(was.enrol);
  const after = now.enrol && enrolText(now.enrol);
  if (before === after) return;
  if (before === undefined) change.opens.push(`now ${after!}`);
  else if (after === undefined) change.closes.push(`no longer ${before}`);
  else change.other.push(`now ${after} (was: ${before})`);
}

function who(rule: CompiledRule): string {
  const parts: string[] = [];
  if (rule.users) parts.push(`users [${[...rule.users].join(', ')}]`);
  if (rule.groups) parts.push(`groups [${[...rule.groups].join(', ')}]`);
  return parts.join(' or ');
}
