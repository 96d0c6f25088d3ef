// `otp-gate policy-test --config F CASES.yaml`: runs each case's request through the policy the
// gate would serve and compares the decision with the one expected. Prints every failing case
// with what was expected, what was decided, the deciding rule and the explain trace; exits 1 on
// any failure, so it fits in a CI job.
import { loadGate } from '../config/load-gate.js';
import type { CaseExpect } from '../config/policy-cases-schema.js';
import type { AppMatcher } from '../http/app-matcher.js';
import { createAppMatcher } from '../http/app-matcher.js';
import { explain } from '../policy/decide.js';
import { formatExplain } from '../policy/format-explain.js';
import { outcomeOf } from '../policy/outcome.js';
import type { CompiledPolicy, Decision } from '../policy/types.js';
import { formatDuration, parseDuration } from '../shared/duration.js';
import { EXIT, printProblems, reportingConfigErrors } from './output.js';
import type { PolicyCase } from './policy-cases.js';
import { loadCasesFile, unknownRuleProblems } from './policy-cases.js';
import { describeRequest } from './sample-request.js';

export interface PolicyTestArgs {
  config: string;
  cases: string;
}

export function runPolicyTest(args: PolicyTestArgs): Promise<number> {
  return reportingConfigErrors(async () => {
    const { gate } = await loadGate(args.config, process.env);
    const loaded = await loadCasesFile(args.cases, process.env, gate.directory);
    const problems = [
      ...loaded.problems,
      ...unknownRuleProblems(
        loaded,
        gate.policy.rules.map((r) => r.name),
      ),
    ];
    for (const c of loaded.cases) {
      if (c.expect === undefined)
        problems.push(
          loaded.problemAt(
            ['cases', c.index],
            `case "${c.name}" has no expect: policy-test needs to know what to check`,
          ),
        );
    }
    if (problems.length > 0) {
      printProblems(problems);
      process.stderr.write(`${problems.length} error(s) in ${args.cases}; no case was run.\n`);
      return EXIT.failed;
    }
    const appFor = createAppMatcher(gate.config.apps);
    let failed = 0;
    for (const c of loaded.cases) {
      const report = runCase(c, gate.policy, appFor);
      if (report === undefined) continue;
      failed++;
      process.stdout.write(report + '\n\n');
    }
    process.stdout.write(`${loaded.cases.length - failed} passed, ${failed} failed\n`);
    return failed > 0 ? EXIT.failed : EXIT.ok;
  }, 'no case was run');
}

/** Undefined when the case passes; otherwise the text that shows why it did not. */
export function runCase(c: PolicyCase, policy: CompiledPolicy, appFor: AppMatcher): string | undefined {
  const { facts, visitor, sample } = c.request;
  const result = explain(policy, facts);
  const found = appFor(facts.host, facts.path) !== undefined;
  const outcome = found
    ? outcomeOf(result.decision, visitor)
    : { outcome: 'not_found', reason: 'no app serves this host and path: 404 before any rule' };
  const decided = decidedFields(result.decision, outcome.outcome);
  const expect = c.expect ?? {};
  const keys = (Object.keys(expect) as Array<keyof CaseExpect>).filter((k) => expect[k] !== undefined);
  const wrong = keys.filter((k) => show(k, expect[k]) !== decided[k]);
  if (wrong.length === 0) return undefined;
  const lines = [
    `FAIL  ${c.at.file}:${c.at.line}:${c.at.col} ${JSON.stringify(c.name)}`,
    `  request   ${describeRequest(sample)}`,
    `  expected  ${keys.map((k) => `${k} ${show(k, expect[k])}`).join(', ')}`,
    `  decided   ${keys.map((k) => `${k} ${decided[k]}`).join(', ')}`,
    `  by        ${decidingRule(result.decision)} → ${outcome.outcome}: ${outcome.reason}`,
  ];
  const trace = formatExplain(result, facts, visitor).split('\n');
  lines.push('  explain', ...trace.map((l) => (l === '' ? '' : `    ${l}`)));
  return lines.join('\n');
}

function decidingRule(decision: Decision): string {
  const rule = decision.rule;
  if (rule === undefined) return 'no rule (default deny)';
  const { file, line, col } = rule.origin;
  return `rule ${JSON.stringify(rule.name)} (${file}:${line}:${col}), ${decision.action}`;
}

type Shown = Record<keyof CaseExpect, string>;

function decidedFields(decision: Decision, outcome: string): Shown {
  const rule = decision.rule;
  const challenge = decision.action === 'challenge' ? decision.rule : undefined;
  return {
    rule: rule === undefined ? '(none: default deny)' : JSON.stringify(rule.name),
    action: decision.action,
    channels: challenge ? `[${challenge.channels.join(', ')}]` : '(none: not a challenge)',
    session_lifetime: challenge ? formatDuration(challenge.sessionLifetime) : '(none: not a challenge)',
    factors: challenge ? `[${challenge.factors.join(', ')}]` : '(none: not a challenge)',
    outcome,
  };
}

/** An expected value in the words decidedFields uses, so equal means equal. */
function show(key: keyof CaseExpect, value: CaseExpect[keyof CaseExpect]): string {
  switch (key) {
    case 'rule':
      return value === null ? '(none: default deny)' : JSON.stringify(value);
    case 'channels':
      return `[${(value as string[]).join(', ')}]`;
    case 'factors':
      // Rules ask in one order (password first) however the case lists them.
      return `[${[...(value as string[])].sort().reverse().join(', ')}]`;
    case 'session_lifetime':
      return formatDuration(parseDuration(value as string) ?? -1);
    default:
      return String(value);
  }
}
