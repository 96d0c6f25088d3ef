// `otp-gate policy-diff --config F --old OLD --new NEW [--cases C] [--requests R]`: decides every
// sample request with both versions of the policies (files or folders, compiled with the
// config's channels and session lifetime) and lists each request whose decision changes,
// what opens first. Exit status as diff(1): 0 no change, 1 changes, 2 trouble.
import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { loadGate } from '../config/load-gate.js';
import type { LoadedPolicies } from '../config/policy-files.js';
import { errorCode, loadPolicyFiles } from '../config/policy-files.js';
import type { Directory } from '../directory/types.js';
import type { DecisionChange, Direction } from '../policy/decision-diff.js';
import { compareDecisions, evaluate } from '../policy/decision-diff.js';
import { verdict } from '../policy/format-explain.js';
import type { CompiledPolicy, Decision } from '../policy/types.js';
import type { Problem } from '../shared/problem.js';
import { ConfigError } from '../shared/problem.js';
import { EXIT, printProblems, UsageError } from './output.js';
import { loadCasesFile } from './policy-cases.js';
import { parseRequestsFile } from './requests-file.js';
import type { ResolvedRequest } from './sample-request.js';
import { describeRequest, requestKey, resolveRequest } from './sample-request.js';

export interface PolicyDiffArgs {
  config: string;
  old: string;
  new: string;
  cases: string | undefined;
  requests: string | undefined;
}

/** The run's arguments from the command line's options, which must name some requests to compare. */
export function policyDiffArgs(values: Readonly<Record<string, string | undefined>>): PolicyDiffArgs {
  const given = (v: string | undefined) => (v === '' ? undefined : v);
  const [cases, requests] = [given(values.cases), given(values.requests)];
  if (!cases && !requests)
    throw new UsageError('give the requests to compare with --cases CASES.yaml and/or --requests FILE');
  // --config, --old and --new are required options: the command line has checked them.
  return { config: values.config!, old: values.old!, new: values.new!, cases, requests };
}

const TROUBLE = 2;

export async function runPolicyDiff(args: PolicyDiffArgs): Promise<number> {
  try {
    return await diff(args);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    printProblems(err.problems);
    process.stderr.write(
      `${err.problems.filter((p) => p.severity === 'error').length} error(s); nothing was compared.\n`,
    );
    return TROUBLE;
  }
}

async function diff(args: PolicyDiffArgs): Promise<number> {
  const { gate } = await loadGate(args.config, process.env);
  const ctx = {
    defaultLifetimeMs: gate.config.session.lifetime,
    channels: Object.keys(gate.config.channels),
    env: process.env,
    display,
  };
  const load = (which: '--old' | '--new', written: string) =>
    loadPolicyFiles(
      [{ absolute: path.resolve(written), written, at: { file: which, line: 0, col: 0, path: '' } }],
      ctx,
    );
  const [before, after] = await Promise.all([load('--old', args.old), load('--new', args.new)]);
  const requests = await collectRequests(args, gate.directory);
  const errors = [...errorsOf(before), ...errorsOf(after), ...requests.problems.filter((p) => p.severity === 'error')];
  if (errors.length > 0) throw new ConfigError(errors);
  printProblems([...after.problems, ...requests.problems]);

  const changes = compareAll(requests.list, before.policy!, after.policy!);
  process.stdout.write(`compared ${requests.list.length} request(s): old ${args.old} → new ${args.new}\n`);
  for (const group of groupChanges(changes)) process.stdout.write(`\n${group.join('\n')}\n`);
  if (changes.length === 0) {
    process.stdout.write('no decision changes\n');
    return EXIT.ok;
  }
  const count = (d: Direction) => changes.filter((c) => c.change.direction === d).length;
  process.stdout.write(
    `\n${changes.length} decision change(s): ${count('opens')} open, ${count('closes')} close, ${count('mixed')} open and close, ` +
      `${count('changes')} other, ${count('same-effect')} same effect by another rule\n`,
  );
  return EXIT.failed;
}

interface Compared {
  request: ResolvedRequest;
  change: DecisionChange;
  was: Decision;
  now: Decision;
}

// What opens first: that is what a reviewer must not miss.
const ORDER: readonly Direction[] = ['opens', 'mixed', 'closes', 'changes', 'same-effect'];
const LABEL: Readonly<Record<Direction, string>> = {
  opens: 'OPENS ',
  mixed: 'MIXED ',
  closes: 'CLOSES',
  changes: 'CHANGE',
  'same-effect': 'SAME  ',
};

function compareAll(requests: readonly ResolvedRequest[], before: CompiledPolicy, after: CompiledPolicy): Compared[] {
  const out: Compared[] = [];
  for (const request of requests) {
    const was = evaluate(before, request.facts, request.visitor);
    const now = evaluate(after, request.facts, request.visitor);
    const change = compareDecisions(was, now);
    if (change) out.push({ request, change, was: was.decision, now: now.decision });
  }
  return out.sort((a, b) => ORDER.indexOf(a.change.direction) - ORDER.indexOf(b.change.direction));
}

/** Requests that change the same way are listed under one description of the change. */
function groupChanges(changes: readonly Compared[]): string[][] {
  const groups = new Map<string, { head: string[]; requests: string[] }>();
  for (const { request, change, was, now } of changes) {
    const head = [
      `${LABEL[change.direction]} old  ${decisionLine(was)}`,
      `       new  ${decisionLine(now)}`,
      ...change.opens.map((t) => `       +    ${t}`),
      ...change.closes.map((t) => `       -    ${t}`),
      ...change.other.map((t) => `       ~    ${t}`),
    ];
    const key = head.join('\n');
    const group = groups.get(key) ?? { head, requests: [] };
    group.requests.push(`         ${describeRequest(request.sample)}`);
    groups.set(key, group);
  }
  return [...groups.values()].map((g) => [...g.head, `       ${g.requests.length} request(s):`, ...g.requests]);
}

function decisionLine(decision: Decision): string {
  const text = verdict(decision).replace(/^=> /, '');
  const origin = decision.rule?.origin;
  return origin ? `${text} [${origin.file}:${origin.line}:${origin.col}]` : text;
}

async function collectRequests(
  args: PolicyDiffArgs,
  directory: Directory,
): Promise<{ list: ResolvedRequest[]; problems: Problem[] }> {
  const problems: Problem[] = [];
  const list: ResolvedRequest[] = [];
  const seen = new Set<string>();
  const add = (request: ResolvedRequest) => {
    const key = requestKey(request.sample);
    if (!seen.has(key)) list.push(request);
    seen.add(key);
  };
  if (args.cases !== undefined) {
    const loaded = await loadCasesFile(args.cases, process.env, directory);
    problems.push(...loaded.problems);
    loaded.cases.forEach((c) => add(c.request));
  }
  if (args.requests !== undefined) {
    const file = args.requests;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (cause) {
      problems.push({
        file,
        line: 0,
        col: 0,
        path: '',
        message: `cannot read requests file: ${errorCode(cause)}`,
        severity: 'error',
      });
      return { list, problems };
    }
    const parsed = parseRequestsFile(file, text);
    problems.push(...parsed.problems);
    for (const { sample, fromAudit, cols } of parsed.requests) {
      let resolved = resolveRequest(sample, directory);
      const at = { ...sample.at, col: (!resolved.ok && cols[resolved.field]) || sample.at.col, path: '' };
      // A user in an old audit line may have left the users file since: compare them as anonymous.
      if (!resolved.ok && resolved.field === 'user' && fromAudit) {
        problems.push({ ...at, message: `${resolved.reason}; compared without a session`, severity: 'warning' });
        resolved = resolveRequest({ ...sample, user: undefined }, directory);
      }
      if (resolved.ok) add(resolved.request);
      else problems.push({ ...at, message: resolved.reason, severity: 'error' });
    }
  }
  return { list, problems };
}

function errorsOf(loaded: LoadedPolicies): Problem[] {
  return loaded.problems.filter((p) => p.severity === 'error');
}

/** Paths under the working folder are shown relative to it, others absolute (as check does). */
function display(absolute: string): string {
  const rel = path.relative(process.cwd(), absolute);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : absolute;
}
