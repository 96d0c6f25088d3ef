// Loads one YAML file against a zod schema: syntax errors, ${ENV} substitution and schema
// issues all come back as Problems pointing at the file, line and column they are about.
import path from 'node:path';

import type { Document, Node, Scalar } from 'yaml';
import { isAlias, isMap, isNode, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';

import { substituteEnv } from './env-substitution.js';
import type { Problem } from './problem.js';
import type { SecretOptionPath } from './secret-files.js';
import { applyFileTwins } from './secret-files.js';
import type { PathSegment } from './zod-issues.js';
import { DEFAULT_MESSAGE, issueReports } from './zod-issues.js';

export type { PathSegment } from './zod-issues.js';

export interface Position {
  line: number;
  col: number;
}

export interface LoadYamlOptions {
  /**
   * "failsafe" keeps every scalar as the text written, for files where `+393330000001`
   * must stay a phone number rather than become an integer. Default "core".
   */
  yamlSchema?: 'core' | 'failsafe';
  /** Where relative `${file:...}` and `_file` paths start; the folder of `file` by default. */
  baseDir?: string;
  /** Options that also take a `<name>_file` twin naming a file that holds the value. */
  secretOptions?: readonly SecretOptionPath[];
}

export interface LoadedYaml<T> {
  /** The validated value; undefined when there was any error. */
  value: T | undefined;
  /** The substituted data before validation, for best-effort follow-up checks when value is undefined. */
  data: unknown;
  problems: Problem[];
  /** Where the node at an option path starts; the nearest existing parent key when it is absent. */
  locate(path: readonly PathSegment[]): Position;
  /** Where the key of the option at path is written (falls back to locate). */
  locateKey(path: readonly PathSegment[]): Position;
  /** A problem at the node for path, e.g. for checks that need more than the schema. */
  problemAt(path: readonly PathSegment[], message: string, severity?: Problem['severity']): Problem;
}

export function loadYaml<S extends z.ZodType>(
  file: string,
  text: string,
  schema: S,
  env: NodeJS.ProcessEnv,
  options: LoadYamlOptions = {},
): LoadedYaml<z.output<S>> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter,
    prettyErrors: false,
    schema: options.yamlSchema ?? 'core',
  });
  const position = (offset: number): Position => {
    const p = lineCounter.linePos(offset);
    return { line: Math.max(p.line, 1), col: Math.max(p.col, 1) };
  };
  const locator = createLocator(doc, position);
  const problems: Problem[] = [];
  const at = (
    where: Position,
    path: readonly PathSegment[],
    message: string,
    severity: Problem['severity'] = 'error',
  ): Problem => ({
    file,
    line: where.line,
    col: where.col,
    path: formatPath(path),
    message,
    severity,
  });
  const result = (value: z.output<S> | undefined, data: unknown): LoadedYaml<z.output<S>> => ({
    value,
    data,
    problems: sortProblems(problems),
    locate: locator.locate,
    locateKey: locator.locateKey,
    problemAt: (path, message, severity) => at(locator.locate(path), path, message, severity),
  });

  for (const e of doc.errors) problems.push(at(position(e.pos[0]), [], `invalid YAML: ${e.message}`));
  for (const w of doc.warnings) problems.push(at(position(w.pos[0]), [], `YAML: ${w.message}`, 'warning'));
  // After a syntax error the tree is a guess; schema errors on it would only mislead.
  if (doc.errors.length > 0) return result(undefined, undefined);
  if (doc.contents === null) {
    problems.push({ file, line: 0, col: 0, path: '', message: 'the file is empty', severity: 'error' });
    return result(undefined, undefined);
  }

  // A value whose variable is missing is already reported; its schema issues would only repeat it.
  const unset = new Set<Node>();
  const unusable = (node: Node, message: string) => {
    unset.add(node);
    problems.push(at(position(node.range?.[0] ?? 0), locator.pathOf(node), message));
  };
  const baseDir = options.baseDir ?? path.dirname(path.resolve(file));
  const substituted = substituteEnv(doc, env, options.yamlSchema !== 'failsafe', unusable, baseDir);
  for (const [node, names] of applyFileTwins(doc, options.secretOptions ?? [], baseDir, unusable))
    substituted.set(node, names);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (cause) {
    // Alias bombs ("billion laughs") end here rather than exhausting memory.
    problems.push({ file, line: 0, col: 0, path: '', message: `invalid YAML: ${String(cause)}`, severity: 'error' });
    return result(undefined, undefined);
  }

  // Schema-level messages win over this one; it marks the issues whose words we write ourselves.
  const parsed = schema.safeParse(data, { error: () => DEFAULT_MESSAGE });
  if (parsed.success) return result(unset.size === 0 ? parsed.data : undefined, data);
  const isHidden = (path: readonly PathSegment[]): string | undefined => {
    const node = locator.nodeAt(path);
    const names = node ? substituted.get(node) : undefined;
    if (names) return `the value of ${names.map((n) => '${' + n + '}').join(', ')}`;
    return path.some((seg) => typeof seg === 'string' && SENSITIVE.test(seg)) ? 'a value not shown here' : undefined;
  };
  for (const issue of parsed.error.issues) {
    for (const report of issueReports(issue, { schema, data, hidden: isHidden })) {
      const node = locator.nodeAt(report.path);
      if (node && unset.has(node)) continue;
      const where = report.atKey ? locator.locateKey(report.path) : locator.locate(report.path);
      problems.push(at(where, report.path, report.message));
    }
  }
  return result(undefined, data);
}

/** Option names whose values are never repeated in a message. */
const SENSITIVE = /secret|token|password|passwd|credential|api_key|private_key|phone/i;

/** "session.secrets[0]", "users.alice.phone", 'users["a.b"]'. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

function sortProblems(problems: Problem[]): Problem[] {
  return problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) => a.p.line - b.p.line || a.p.col - b.p.col || a.i - b.i)
    .map(({ p }) => p);
}

interface Locator {
  locate(path: readonly PathSegment[]): Position;
  locateKey(path: readonly PathSegment[]): Position;
  nodeAt(path: readonly PathSegment[]): Node | undefined;
  pathOf(node: Node): PathSegment[];
}

interface Descent {
  node: unknown;
  /** The key of the last pair walked through. */
  lastKey: Node | undefined;
  /** How many path segments were found. */
  depth: number;
}

function createLocator(doc: Document, position: (offset: number) => Position): Locator {
  const start = (node: unknown): Position | undefined =>
    isNode(node) && node.range ? position(node.range[0]) : undefined;
  const descend = (path: readonly PathSegment[]): Descent => {
    let node: unknown = doc.contents;
    let lastKey: Node | undefined;
    for (let depth = 0; depth < path.length; depth++) {
      if (isAlias(node)) node = node.resolve(doc);
      const seg = path[depth];
      if (isMap(node)) {
        const pair = node.items.find((p) => keyText(p.key) === String(seg));
        if (!pair) return { node, lastKey, depth };
        lastKey = isNode(pair.key) ? pair.key : lastKey;
        node = pair.value;
      } else if (isSeq(node) && typeof seg === 'number' && seg < node.items.length) {
        node = node.items[seg];
      } else {
        return { node, lastKey, depth };
      }
    }
    return { node, lastKey, depth: path.length };
  };
  const FIRST: Position = { line: 1, col: 1 };
  return {
    locate(path) {
      const d = descend(path);
      const found = d.depth === path.length && !(isScalar(d.node) && d.node.value === null);
      return (found ? start(d.node) : undefined) ?? start(d.lastKey) ?? start(d.node) ?? FIRST;
    },
    locateKey(path) {
      const d = descend(path);
      return (d.depth === path.length ? start(d.lastKey) : undefined) ?? this.locate(path);
    },
    nodeAt(path) {
      const d = descend(path);
      return d.depth === path.length && isNode(d.node) ? d.node : undefined;
    },
    pathOf(target) {
      return findPath(doc.contents, target) ?? [];
    },
  };
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String((key as Scalar).value);
  return typeof key === 'string' || typeof key === 'number' ? String(key) : undefined;
}

function findPath(node: unknown, target: Node): PathSegment[] | undefined {
  if (node === target) return [];
  if (isMap(node)) {
    for (const pair of node.items) {
      const below = findPath(pair.value, target);
      const key = keyText(pair.key);
      if (below && key !== undefined) return [key, ...below];
    }
  } else if (isSeq(node)) {
    for (let i = 0; i < node.items.length; i++) {
      const below = findPath(node.items[i], target);
      if (below) return [i, ...below];
    }
  }
  return undefined;
}
