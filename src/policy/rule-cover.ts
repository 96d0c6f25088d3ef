// Whether one rule's conditions cover another's: every request the later rule matches, the
// earlier one matches too, so the later rule can never decide. Sound, not complete: each test
// answers true only when coverage is certain for the glob shapes the engine accepts, and false
// when unsure, so the lint never calls a reachable rule dead.
import type { NetworkSet } from '../shared/net/ip-networks.js';
import { inNetworks, parseNetworks } from '../shared/net/ip-networks.js';
import type { CompiledHostGlob } from './host-glob.js';
import { compileHostGlob as compileHost } from './host-glob.js';
import type { CompiledPathGlob } from './path-glob.js';
import { compilePathGlob as compilePath } from './path-glob.js';
import type { RawRule } from './types.js';

// The lint compares every pair of rules: each glob and network is compiled once, not per pair.
// Bounded, so reloading many different policies cannot grow it without end.
function memo<T>(build: (key: string) => T): (key: string) => T {
  const cache = new Map<string, T>();
  return (key) => {
    let value = cache.get(key);
    if (value === undefined && !cache.has(key)) {
      if (cache.size >= 10_000) cache.clear();
      value = build(key);
      cache.set(key, value);
    }
    return value as T;
  };
}

const compileHostGlob: (glob: string) => CompiledHostGlob = memo(compileHost);
const compilePathGlob: (glob: string) => CompiledPathGlob = memo(compilePath);
const networkSet: (entry: string) => NetworkSet = memo((entry) => parseNetworks([entry]).networks);

/** True when every request `later` matches is matched by `earlier` (users/groups play no part in matching). */
export function coversRule(earlier: RawRule, later: RawRule): boolean {
  // Paths first: they differ most often and are the cheapest to tell apart.
  return (
    coversList(earlier.paths, later.paths, (g) => g === '/**', coversPath) &&
    coversCase(earlier, later) &&
    coversList(
      earlier.methods,
      later.methods,
      () => false,
      (e, l) => e.toUpperCase() === l.toUpperCase(),
    ) &&
    coversList(earlier.networks, later.networks, () => false, coversNetwork) &&
    coversList(earlier.hosts, later.hosts, isAnyHost, coversHost)
  );
}

/** Absent means any; a later entry is covered when one earlier entry covers it on its own. */
function coversList(
  earlier: readonly string[] | undefined,
  later: readonly string[] | undefined,
  isAny: (entry: string) => boolean,
  covers: (earlier: string, later: string) => boolean,
): boolean {
  if (earlier === undefined || earlier.some(isAny)) return true;
  if (later === undefined || later.length === 0 || later.some(isAny)) return false;
  return later.every((l) => earlier.some((e) => covers(e, l)));
}

/**
 * Restricting rules (challenge, deny) may match paths in any case while bypass rules match them
 * exactly (compile-policy.ts): a later rule that ignores case reaches "/ADMIN" past an earlier
 * exact one, so only an earlier rule for every path covers it then.
 */
function coversCase(earlier: RawRule, later: RawRule): boolean {
  const exact = (raw: RawRule) => raw.action === 'bypass';
  return exact(later) || !exact(earlier) || earlier.paths === undefined || earlier.paths.includes('/**');
}

function isAnyHost(glob: string): boolean {
  const compiled = compileHostGlob(glob);
  return compiled.ok && compiled.kind === 'any';
}

/** Host globs label by label: "*" is one label, a leftmost "**" any number of labels. */
export function coversHost(earlierGlob: string, laterGlob: string): boolean {
  const e = compileHostGlob(earlierGlob);
  const l = compileHostGlob(laterGlob);
  if (!e.ok || !l.ok) return false;
  if (e.kind === 'any') return true;
  if (l.kind === 'any') return false;
  // A plain host is one request host: ask the engine's own matcher.
  if (l.kind === 'exact') return e.test(l.exact);
  if (e.kind === 'exact') return false;
  const eLabels = labels(earlierGlob);
  const lLabels = labels(laterGlob);
  const eAnyDepth = eLabels[0] === '**';
  const lAnyDepth = lLabels[0] === '**';
  const eFixed = eAnyDepth ? eLabels.slice(1) : eLabels;
  const lFixed = lAnyDepth ? lLabels.slice(1) : lLabels;
  // "**.x" on the later side reaches hosts of any depth, which only an earlier "**" also reaches.
  if (lAnyDepth && !eAnyDepth) return false;
  if (eAnyDepth ? lFixed.length < eFixed.length : lFixed.length !== eFixed.length) return false;
  const tail = lFixed.slice(lFixed.length - eFixed.length);
  return eFixed.every((label, i) => label === '*' || label === tail[i]);
}

const labels: (glob: string) => string[] = memo((glob) => glob.toLowerCase().replace(/\.$/, '').split('.'));

// Characters that make a path glob more than literal text (as in path-glob.ts).
const GLOB_SYNTAX = /[*?[\]{}()!+@\\]/;

/**
 * Path globs: certain only for a literal later path (asked of the earlier glob's own matcher),
 * equal globs, and an earlier "/literal/**" against a later glob whose literal start is inside it.
 */
export function coversPath(earlierGlob: string, laterGlob: string): boolean {
  const e = compilePathGlob(earlierGlob);
  if (!e.ok || !compilePathGlob(laterGlob).ok) return false;
  if (earlierGlob === '/**' || earlierGlob === laterGlob) return true;
  if (!GLOB_SYNTAX.test(laterGlob)) return e.test(laterGlob);
  if (!earlierGlob.endsWith('/**')) return false;
  const folder = earlierGlob.slice(0, -'/**'.length);
  if (GLOB_SYNTAX.test(folder)) return false;
  // "/admin/**" matches "/admin" and every normalised path that starts with "/admin/".
  return literalStart(laterGlob).startsWith(`${folder}/`);
}

/** The text before a glob's first special character: every path it matches starts with it. */
export function literalStart(glob: string): string {
  const at = glob.search(GLOB_SYNTAX);
  return at === -1 ? glob : glob.slice(0, at);
}

/** A later network is covered when it lies inside one earlier network (CIDRs nest or are disjoint). */
export function coversNetwork(earlierEntry: string, laterEntry: string): boolean {
  const e = single(earlierEntry);
  const l = single(laterEntry);
  if (e === undefined || l === undefined || e.bits > l.bits) return false;
  // The first address of the later range, asked of the engine's own network test.
  return e.family === l.family && inNetworks(networkSet(earlierEntry), l.first);
}

interface Range {
  family: 4 | 6;
  bits: number;
  first: string;
}

/** One network entry as the engine parses it (IPv4-mapped ranges become IPv4). */
export const single: (entry: string) => Range | undefined = memo(parseRange);

function parseRange(entry: string): Range | undefined {
  const { networks, errors } = parseNetworks([entry]);
  if (errors.length > 0) return undefined;
  if (networks.v4Base.length === 1) {
    const base = networks.v4Base[0]!;
    const mask = networks.v4Mask[0]!;
    return { family: 4, bits: popcount(mask), first: [24, 16, 8, 0].map((s) => (base >>> s) & 255).join('.') };
  }
  const v6 = networks.v6[0];
  if (v6 === undefined) return undefined;
  const groups = Array.from(v6.groups, (g, i) => (i * 16 >= v6.bits ? 0 : g & maskOf16(v6.bits - i * 16)));
  return { family: 6, bits: v6.bits, first: groups.map((g) => g.toString(16)).join(':') };
}

function popcount(n: number): number {
  let count = 0;
  for (let v = n >>> 0; v !== 0; v = (v & (v - 1)) >>> 0) count++;
  return count;
}

function maskOf16(bits: number): number {
  return bits >= 16 ? 0xffff : (0xffff << (16 - bits)) & 0xffff;
}
