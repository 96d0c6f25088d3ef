// The decision for a request: rules in order, the first that matches decides, none is deny.
// decide() and explain() share one walk so `otp-gate explain` says exactly what serving does.
import type { CompiledPolicy, CompiledRule, Decision, RequestFacts, Subject, TraceStep } from './types.js';

const DEFAULT_DENY: Decision = Object.freeze({ action: 'deny', rule: undefined });

/** The hot path: no trace, no miss descriptions, nothing allocated but the decision. */
export function decide(policy: CompiledPolicy, facts: RequestFacts): Decision {
  return walk(policy, facts, undefined);
}

/** The decision, and each rule tried with why it missed, for `otp-gate explain`. */
export function explain(policy: CompiledPolicy, facts: RequestFacts): { decision: Decision; trace: TraceStep[] } {
  const trace: TraceStep[] = [];
  return { decision: walk(policy, facts, trace), trace };
}

function walk(policy: CompiledPolicy, facts: RequestFacts, trace: TraceStep[] | undefined): Decision {
  const rules = policy.rules;
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    if (trace === undefined) {
      if (!rule.matches(facts)) continue;
    } else {
      const miss = rule.match(facts);
      trace.push(miss === undefined ? { rule, hit: true } : { rule, hit: false, miss });
      if (miss !== undefined) continue;
    }
    return decisionFor(rule);
  }
  return DEFAULT_DENY;
}

function decisionFor(rule: CompiledRule): Decision {
  switch (rule.action) {
    case 'bypass':
      return { action: 'bypass', rule };
    case 'deny':
      return { action: 'deny', rule };
    case 'challenge':
      return { action: 'challenge', rule };
  }
}

/**
 * Whether a challenge rule lets this signed-in person through: any known user when the rule
 * names neither users nor groups, else a listed user (case-insensitive) or a member of a listed group.
 * An enrolled person is never "any known user": only a listed user or group, or a group the rule
 * itself enrols into, lets them through, so adding open enrolment widens no existing rule.
 */
export function admits(rule: CompiledRule, subject: Subject): boolean {
  const { users, groups } = rule;
  if (subject.enrolled === true) return (rule.enrol !== undefined && inGroups(rule.enrol.groups, subject)) || named();
  if (users === undefined && groups === undefined) return true;
  return named();

  function named(): boolean {
    if (users !== undefined && (users.has(subject.user) || users.has(subject.user.toLowerCase()))) return true;
    if (groups !== undefined) {
      for (let i = 0; i < subject.groups.length; i++) if (groups.has(subject.groups[i]!)) return true;
    }
    return false;
  }
}

function inGroups(groups: readonly string[], subject: Subject): boolean {
  return groups.some((g) => subject.groups.includes(g));
}
