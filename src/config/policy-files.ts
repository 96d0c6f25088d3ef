// Expands the configured policy sources (files, and folders of *.yaml/*.yml in name order),
// loads every rule with where it was written, and compiles them in that order.
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';

import { compilePolicy } from '../policy/compile-policy.js';
import { policyFileSchema } from '../policy/policy-schema.js';
import type { CompiledPolicy, RawRule, RuleOrigin } from '../policy/types.js';
import type { Problem } from '../shared/problem.js';
import { loadYaml } from '../shared/yaml-file.js';

export interface PolicySource {
  /** Absolute path of a file or folder. */
  absolute: string;
  /** The source as written in the config, for messages. */
  written: string;
  /** Where the config names it, so "not found" points there. */
  at: Pick<Problem, 'file' | 'line' | 'col' | 'path'>;
}

export interface PolicyContext {
  /** session.lifetime, ms: the default for rules without session_lifetime. */
  defaultLifetimeMs: number;
  /** Configured channel names. */
  channels: readonly string[];
  env: NodeJS.ProcessEnv;
  /** How a file's path is shown in messages and rule origins. */
  display(absolute: string): string;
}

export interface LoadedPolicies {
  /** Undefined when any file or rule has an error. */
  policy: CompiledPolicy | undefined;
  problems: Problem[];
  /** Every policy file read, absolute, in evaluation order (for hot reload to watch). */
  files: string[];
}

interface CollectedRule {
  raw: RawRule;
  origin: RuleOrigin;
  path: string;
}

export async function loadPolicyFiles(sources: readonly PolicySource[], ctx: PolicyContext): Promise<LoadedPolicies> {
  const problems: Problem[] = [];
  const files: string[] = [];
  for (const source of sources) {
    for (const file of await expandSource(source, problems)) if (!files.includes(file)) files.push(file);
  }
  const rules: CollectedRule[] = [];
  for (const file of files) rules.push(...(await readRules(file, ctx, problems)));
  const compiled = compilePolicy(rules, { defaultLifetimeMs: ctx.defaultLifetimeMs, channels: ctx.channels });
  problems.push(...compiled.problems);
  const failed = problems.some((p) => p.severity === 'error');
  return { policy: failed ? undefined : compiled.policy, problems, files };
}

/** A file stands for itself; a folder for its policy files sorted by name. */
async function expandSource(source: PolicySource, problems: Problem[]): Promise<string[]> {
  const report = (message: string): string[] => {
    problems.push({ ...source.at, message, severity: 'error' });
    return [];
  };
  const info = await stat(source.absolute).catch(() => undefined);
  if (!info) return report(`policy file or folder "${source.written}" not found`);
  if (info.isFile()) return [source.absolute];
  if (!info.isDirectory()) return report(`"${source.written}" is neither a file nor a folder`);
  const entries = await readdir(source.absolute, { withFileTypes: true });
  const names = entries
    .filter((e) => /\.ya?ml$/i.test(e.name) && (e.isFile() || e.isSymbolicLink()))
    .map((e) => e.name)
    .sort();
  if (names.length === 0) return report(`folder "${source.written}" holds no .yaml or .yml policy files`);
  return names.map((name) => path.join(source.absolute, name));
}

async function readRules(file: string, ctx: PolicyContext, problems: Problem[]): Promise<CollectedRule[]> {
  const shown = ctx.display(file);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    problems.push({
      file: shown,
      line: 0,
      col: 0,
      path: '',
      message: `cannot read policy file: ${errorCode(cause)}`,
      severity: 'error',
    });
    return [];
  }
  const loaded = loadYaml(shown, text, policyFileSchema, ctx.env);
  problems.push(...loaded.problems);
  const rules: readonly RawRule[] = loaded.value?.rules ?? [];
  return rules.map((raw, i) => ({ raw, origin: { file: shown, ...loaded.locate(['rules', i]) }, path: `rules[${i}]` }));
}

export function errorCode(cause: unknown): string {
  const code = (cause as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : cause instanceof Error ? cause.message : String(cause);
}
