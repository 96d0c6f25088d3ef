// Reads a policy test cases file: schema problems and requests the gate could not decide (a URL
// it would refuse, an unknown user) come back as file:line:col problems, like every other file.
import { readFile } from 'node:fs/promises';

import type { CaseExpect } from '../config/policy-cases-schema.js';
import { policyCasesFileSchema } from '../config/policy-cases-schema.js';
import { errorCode } from '../config/policy-files.js';
import type { Directory } from '../directory/types.js';
import { parseDuration } from '../shared/duration.js';
import type { Problem } from '../shared/problem.js';
import { loadYaml } from '../shared/yaml-file.js';
import { closest } from '../shared/zod-issues.js';
import type { ResolvedRequest, Written } from './sample-request.js';
import { DEFAULT_IP, resolveRequest } from './sample-request.js';

export interface PolicyCase {
  /** Position in the file's cases list. */
  index: number;
  name: string;
  /** Where the case starts. */
  at: Written;
  request: ResolvedRequest;
  expect: CaseExpect | undefined;
}

export interface LoadedCases {
  cases: PolicyCase[];
  problems: Problem[];
  /** A problem at an option of the file, for checks the caller makes (rule names). */
  problemAt(path: ReadonlyArray<string | number>, message: string): Problem;
}

export async function loadCasesFile(file: string, env: NodeJS.ProcessEnv, directory: Directory): Promise<LoadedCases> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    const problem: Problem = {
      file,
      line: 0,
      col: 0,
      path: '',
      message: `cannot read cases file: ${errorCode(cause)}`,
      severity: 'error',
    };
    return { cases: [], problems: [problem], problemAt: () => problem };
  }
  const loaded = loadYaml(file, text, policyCasesFileSchema, env);
  const problems = [...loaded.problems];
  const cases: PolicyCase[] = [];
  (loaded.value?.cases ?? []).forEach((raw, i) => {
    const { request } = raw;
    const sample = {
      method: request.method ?? 'GET',
      url: request.url,
      ip: request.ip ?? DEFAULT_IP,
      user: request.user,
      sessionAgeMs: request.session_age === undefined ? 0 : (parseDuration(request.session_age) ?? 0),
      factors: request.factors,
      token: request.token === undefined ? undefined : { name: request.token, groups: request.groups ?? [] },
      via: request.via,
      at: { file, ...loaded.locate(['cases', i]) },
    };
    const resolved = resolveRequest(sample, directory);
    if (!resolved.ok) problems.push(loaded.problemAt(['cases', i, 'request', resolved.field], resolved.reason));
    else
      cases.push({
        index: i,
        name: raw.name ?? `case ${i + 1}`,
        at: sample.at,
        request: resolved.request,
        expect: raw.expect,
      });
  });
  return { cases, problems, problemAt: (path, message) => loaded.problemAt(path, message) };
}

/** Problems for expectations that name a rule the policy does not have, with the nearest name. */
export function unknownRuleProblems(loaded: LoadedCases, ruleNames: readonly string[]): Problem[] {
  const out: Problem[] = [];
  for (const c of loaded.cases) {
    const rule = c.expect?.rule;
    if (typeof rule !== 'string' || ruleNames.includes(rule)) continue;
    const guess = closest(rule, ruleNames);
    const hint = guess ? ` (did you mean "${guess}"?)` : '';
    out.push(loaded.problemAt(['cases', c.index, 'expect', 'rule'], `no rule is named "${rule}"${hint}`));
  }
  return out;
}
