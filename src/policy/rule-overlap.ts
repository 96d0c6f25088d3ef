// Finds a request that two rules both match, so the lint can say "order matters here" with an
// example. Candidates are built from the rules' own globs and networks and every one is checked
// with the compiled rules' matchers: an overlap reported is one the engine really sees; an
// overlap this misses (exotic glob pairs) is simply not reported.
import { coversNetwork, literalStart, single } from './rule-cover.js';
import type { CompiledRule, RawRule, RequestFacts } from './types.js';

const MAX_CANDIDATES = 24;
// Requests tried per pair of rules: keeps the lint of a large policy fast at start-up and reload.
const MAX_TRIES = 4096;

export function findOverlap(
  a: { raw: RawRule; rule: CompiledRule },
  b: { raw: RawRule; rule: CompiledRule },
): RequestFacts | undefined {
  const methods = methodCandidates(a.raw.methods, b.raw.methods);
  if (methods.length === 0 || isDisjoint(a.raw, b.raw)) return undefined;
  const hosts = hostCandidates([...(a.raw.hosts ?? []), ...(b.raw.hosts ?? [])]);
  const ips = ipCandidates([...(a.raw.networks ?? []), ...(b.raw.networks ?? [])]);
  const paths = pathCandidates(a.raw.paths ?? [], b.raw.paths ?? []);
  let tries = 0;
  for (const path of paths) {
    for (const host of hosts) {
      for (const ip of ips) {
        for (const method of methods) {
          if (++tries > MAX_TRIES) return undefined;
          const facts = { host, path, method, ip };
          if (a.rule.matches(facts) && b.rule.matches(facts)) return facts;
        }
      }
    }
  }
  return undefined;
}

/**
 * Cheap certainties first: CIDRs either nest or are disjoint, and two path globs whose literal
 * starts ("/app1/", "/app2/") are not one a prefix of the other can match no path in common.
 */
function isDisjoint(a: RawRule, b: RawRule): boolean {
  const some = (
    x: readonly string[] | undefined,
    y: readonly string[] | undefined,
    meet: (p: string, q: string) => boolean,
  ) => x === undefined || y === undefined || x.some((p) => y.some((q) => meet(p, q)));
  const nested = (p: string, q: string) => coversNetwork(p, q) || coversNetwork(q, p);
  const prefixed = (p: string, q: string) => {
    // Lower-cased: restricting rules may match paths in any case.
    const [s, t] = [literalStart(p).toLowerCase(), literalStart(q).toLowerCase()];
    return s.startsWith(t) || t.startsWith(s);
  };
  return !some(a.networks, b.networks, nested) || !some(a.paths, b.paths, prefixed);
}

function methodCandidates(a: readonly string[] | undefined, b: readonly string[] | undefined): string[] {
  const upper = (l: readonly string[]) => l.map((m) => m.toUpperCase());
  if (a === undefined && b === undefined) return ['GET'];
  if (a === undefined) return upper(b!).slice(0, 1);
  if (b === undefined) return upper(a).slice(0, 1);
  const inB = new Set(upper(b));
  return upper(a)
    .filter((m) => inB.has(m))
    .slice(0, 1);
}

/** Each host glob made concrete ("*" → "x", "**." → none and one label); a stand-in when none are set. */
function hostCandidates(globs: readonly string[]): string[] {
  const out = new Set<string>();
  for (const glob of globs) {
    const text = glob.toLowerCase().replace(/\.$/, '');
    if (text === '*' || text === '**') continue;
    const rest = text.startsWith('**.') ? text.slice(3) : text;
    const concrete = rest
      .split('.')
      .map((l) => (l === '*' ? 'x' : l))
      .join('.');
    out.add(concrete);
    if (rest !== text) out.add(`x.${concrete}`);
  }
  if (out.size === 0) out.add('example.com');
  return [...out].slice(0, MAX_CANDIDATES);
}

/** The first address of each network: two CIDRs overlap exactly when one holds the other's first address. */
function ipCandidates(entries: readonly string[]): string[] {
  const out = entries.map((e) => single(e)?.first).filter((ip): ip is string => ip !== undefined);
  return out.length > 0 ? out.slice(0, MAX_CANDIDATES) : ['203.0.113.7'];
}

/**
 * Concrete paths from both rules' globs, plus each glob that starts with "/**" placed under the
 * other rule's literal folders ("/**\/.git/**" with "/static/**" gives "/static/.git").
 */
function pathCandidates(a: readonly string[], b: readonly string[]): string[] {
  const out = new Set<string>();
  const add = (p: string | undefined) => {
    if (p !== undefined && out.size < MAX_CANDIDATES * 4) out.add(p);
  };
  for (const glob of [...a, ...b]) add(concretePath(glob));
  const combine = (globs: readonly string[], others: readonly string[]) => {
    for (const glob of globs) {
      if (!glob.startsWith('/**/')) continue;
      for (const other of others) {
        const folder = literalFolder(other);
        const tail = concretePath(glob.slice('/**'.length));
        if (folder !== '' && tail !== undefined) add(folder + tail);
      }
    }
  };
  combine(a, b);
  combine(b, a);
  if (out.size === 0) add('/');
  return [...out];
}

/** One path a glob matches, made by filling each wildcard with the simplest text; undefined when unsure. */
function concretePath(glob: string): string | undefined {
  const segments = glob
    .split('/')
    .slice(1)
    .filter((s) => s !== '**');
  const filled: string[] = [];
  for (const segment of segments) {
    const text = segment
      .replace(/\{([^{},]*)[,}][^{}]*\}?/g, '$1')
      .replace(/\[([^\]!^])[^\]]*\]/g, '$1')
      .replace(/\\(.)/g, '$1')
      .replace(/[*?]/g, 'x');
    if (/[[\]{}()!+@]/.test(text)) return undefined;
    filled.push(text);
  }
  return `/${filled.join('/')}`;
}

/** The literal folders a glob starts with: "/static" for "/static/**", "" for "/**\/x" or "/a". */
function literalFolder(glob: string): string {
  const at = glob.search(/[*?[\]{}()!+@\\]/);
  const literal = at === -1 ? glob : glob.slice(0, at);
  return literal.slice(0, literal.lastIndexOf('/'));
}
