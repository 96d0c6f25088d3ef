// Turns zod issues into plain-words messages about options ("unknown option "sesion"
// (did you mean "session"?)"), never repeating a value that must stay hidden.
import type { z } from 'zod';

export type PathSegment = string | number;

/** Set as the parse-level error message so we know which issues have no schema-written words. */
export const DEFAULT_MESSAGE = '\u0000default';

export interface IssueReport {
  path: PathSegment[];
  message: string;
  /** Point at the key rather than the value (unknown keys, bad record keys). */
  atKey: boolean;
}

export interface IssueContext {
  schema: z.core.$ZodType;
  /** The data that was validated, to show what was found at a path. */
  data: unknown;
  /** A description to use instead of the value at path when it must not be shown, else undefined. */
  hidden(path: readonly PathSegment[]): string | undefined;
}

export function issueReports(issue: z.core.$ZodIssue, ctx: IssueContext, prefix: PathSegment[] = []): IssueReport[] {
  const path = [...prefix, ...issue.path.filter(isSegment)];
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeys(ctx.schema, path);
    return issue.keys.map((key) => ({ path: [...path, key], message: unknownKeyMessage(key, known), atKey: true }));
  }
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    // Report the branch that came closest, rather than "matches none of the forms".
    const best = [...issue.errors].sort((a, b) => a.length - b.length)[0] ?? [];
    return best.flatMap((inner) => issueReports(inner, ctx, path));
  }
  const value = valueAt(ctx.data, path);
  const got = (): string => ctx.hidden(path) ?? describeValue(value);
  if (issue.code === 'invalid_key') {
    const inner = issue.issues[0];
    const said = inner && inner.message !== DEFAULT_MESSAGE ? inner.message : 'is not an allowed name';
    const key = String(path[path.length - 1] ?? '');
    return [{ path, message: `${JSON.stringify(key)}: ${said}`, atKey: true }];
  }
  if (issue.message !== DEFAULT_MESSAGE) {
    // Schema-written words; those that say what was expected also say what was found.
    const wantsGot = issue.message.startsWith('expected ') && !issue.message.includes(', got ') && value !== undefined;
    return [{ path, message: wantsGot ? `${issue.message}, got ${got()}` : issue.message, atKey: false }];
  }
  return [{ path, message: defaultMessage(issue, path, value, got), atKey: false }];
}

function defaultMessage(issue: z.core.$ZodIssue, path: PathSegment[], value: unknown, got: () => string): string {
  const name = String(path[path.length - 1] ?? 'value');
  switch (issue.code) {
    case 'invalid_type':
      if (value === undefined) return `missing required option "${name}"`;
      return `expected ${EXPECTED[issue.expected] ?? issue.expected}, got ${got()}`;
    case 'too_small':
      return sizeMessage('at least', issue.origin, Number(issue.minimum), issue.inclusive !== false, got);
    case 'too_big':
      return sizeMessage('at most', issue.origin, Number(issue.maximum), issue.inclusive !== false, got);
    case 'invalid_value':
      return `expected ${oneOf(issue.values)}, got ${got()}`;
    case 'invalid_union': {
      const options = 'options' in issue && Array.isArray(issue.options) ? issue.options : [];
      if (options.length === 0) return `does not match any allowed form, got ${got()}`;
      if (value === undefined) return `missing required option "${name}" (${oneOf(options)})`;
      return `expected ${oneOf(options)}, got ${got()}`;
    }
    case 'invalid_format':
      return `expected ${issue.format === 'regex' ? 'a different form' : `a valid ${issue.format}`}, got ${got()}`;
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}, got ${got()}`;
    default:
      return `is not valid, got ${got()}`;
  }
}

const EXPECTED: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
  record: 'a mapping',
  null: 'nothing',
};

function sizeMessage(
  bound: 'at least' | 'at most',
  origin: string,
  n: number,
  inclusive: boolean,
  got: () => string,
): string {
  if (origin === 'string') {
    if (bound === 'at least' && n <= 1) return 'must not be empty';
    return `must be ${bound} ${n} characters long`;
  }
  if (origin === 'array' || origin === 'set') {
    if (bound === 'at least' && n <= 1) return 'must list at least one item';
    return `must list ${bound} ${n} items`;
  }
  const words = inclusive ? bound : bound === 'at least' ? 'more than' : 'less than';
  return `must be ${words} ${n}, got ${got()}`;
}

function oneOf(values: readonly unknown[]): string {
  const shown = values.map((v) => JSON.stringify(v));
  return shown.length === 1 ? String(shown[0]) : `one of ${shown.join(', ')}`;
}

/** Short, safe description of a found value: strings quoted and cut, collections named. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined || value === '') return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') {
    // A URL's user:password part is a secret even where the rest of the URL is not.
    const safe = value.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/i, '$1•••@');
    return JSON.stringify(safe.length > 60 ? `${safe.slice(0, 57)}...` : safe);
  }
  return String(value);
}

function valueAt(data: unknown, path: readonly PathSegment[]): unknown {
  let node = data;
  for (const seg of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PathSegment, unknown>)[seg];
  }
  return node;
}

function isSegment(seg: PropertyKey): seg is PathSegment {
  return typeof seg === 'string' || typeof seg === 'number';
}

function unknownKeyMessage(key: string, known: readonly string[]): string {
  const guess = closest(key, known);
  return guess ? `unknown option "${key}" (did you mean "${guess}"?)` : `unknown option "${key}"`;
}

/** The known name nearest to a typo, if it is near enough to be the one meant. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = distance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}

/** What zod's definitions hold, read loosely so schemas from zod and zod/mini both work. */
interface LooseDef {
  type: string;
  innerType?: z.core.$ZodType;
  in?: z.core.$ZodType;
  options?: readonly z.core.$ZodType[];
  element?: z.core.$ZodType;
  valueType?: z.core.$ZodType;
  shape?: Record<string, z.core.$ZodType>;
  getter?: () => z.core.$ZodType;
}

/** The option names an object at path accepts, for "did you mean". */
function knownKeys(schema: z.core.$ZodType, path: readonly PathSegment[]): string[] {
  let current: z.core.$ZodType[] = [schema];
  for (const seg of [...path, undefined]) {
    current = current.flatMap(unwrap);
    if (seg === undefined) break;
    current = current.flatMap((s) => child(s, seg));
  }
  return [...new Set(current.flatMap((s) => Object.keys(def(s).shape ?? {})))];
}

function def(s: z.core.$ZodType): LooseDef {
  return s._zod.def as unknown as LooseDef;
}

function unwrap(s: z.core.$ZodType): z.core.$ZodType[] {
  const d = def(s);
  if (d.innerType) return unwrap(d.innerType);
  if (d.type === 'pipe' && d.in) return unwrap(d.in);
  if (d.type === 'lazy' && d.getter) return unwrap(d.getter());
  if (d.type === 'union' && d.options) return d.options.flatMap(unwrap);
  return [s];
}

function child(s: z.core.$ZodType, seg: PathSegment): z.core.$ZodType[] {
  const d = def(s);
  if (d.type === 'object' && typeof seg === 'string' && d.shape?.[seg]) return [d.shape[seg]];
  if (d.type === 'array' && typeof seg === 'number' && d.element) return [d.element];
  if (d.type === 'record' && d.valueType) return [d.valueType];
  return [];
}
