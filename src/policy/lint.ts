// Warnings about a policy that compiles but may not say what its author meant: rules that can
// never decide because an earlier rule covers them, and a looser rule before a stricter one that
// both match some request, so that their order opens it. Reuses the compiled matchers; pure.
import type { Problem } from '../shared/problem.js';
import { coversRule } from './rule-cover.js';
import { findOverlap } from './rule-overlap.js';
import type { CompiledRule, RawRule, RequestFacts, RuleOrigin } from './types.js';

export interface LintEntry {
  raw: RawRule;
  rule: CompiledRule;
  /** Option path of the rule in its file: "rules[2]". */
  path: string;
  /** The rule has an error: its matchers may leave entries out, so no claim is made about it. */
  broken: boolean;
}

export function lintPolicy(entries: readonly LintEntry[]): Problem[] {
  const problems: Problem[] = [];
  entries.forEach((later, j) => {
    if (later.broken) return;
    const earlier = entries.slice(0, j).filter((e) => !e.broken);
    const shadow = earlier.find((e) => coversRule(e.raw, later.raw));
    if (shadow) {
      const how = isCatchAll(shadow.raw) ? 'matches every request' : 'matches every request this one does';
      problems.push(
        warning(
          later,
          `rule "${later.rule.name}" is never reached: rule "${shadow.rule.name}" (${where(shadow.rule.origin)}) before it ${how}`,
        ),
      );
      return;
    }
    for (const first of earlier) {
      // Only where the earlier rule is the looser one: a stricter rule first (deny "/**/.git/**"
      // before bypass "/static/**") fails safe, and an exception inside a later general rule is
      // the usual way to write policies.
      if (STRICTNESS[first.raw.action] >= STRICTNESS[later.raw.action] || coversRule(later.raw, first.raw)) continue;
      const example = findOverlap(first, later);
      if (example === undefined) continue;
      problems.push(
        warning(
          later,
          `order matters: rule "${later.rule.name}" (${later.raw.action}) and rule "${first.rule.name}" (${first.raw.action}, ${where(first.rule.origin)}) both match ${describe(example, first.raw, later.raw)}; the earlier "${first.rule.name}" decides, so ${first.raw.action} wins there`,
        ),
      );
    }
  });
  return problems;
}

const STRICTNESS: Readonly<Record<RawRule['action'], number>> = { bypass: 0, challenge: 1, deny: 2 };

function isCatchAll(raw: RawRule): boolean {
  return coversRule(raw, { action: raw.action });
}

/** The example request, naming only what the two rules look at. */
function describe(facts: RequestFacts, a: RawRule, b: RawRule): string {
  const parts = [facts.method];
  parts.push(a.hosts || b.hosts ? `${facts.host}${facts.path}` : facts.path);
  if (a.networks || b.networks) parts.push(`from ${facts.ip}`);
  return `e.g. ${parts.join(' ')}`;
}

function warning(entry: LintEntry, message: string): Problem {
  const { file, line, col } = entry.rule.origin;
  return { file, line, col, path: entry.path, message, severity: 'warning' };
}

function where(origin: RuleOrigin): string {
  return `${origin.file}:${origin.line}:${origin.col}`;
}
