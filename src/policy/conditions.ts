// The four conditions a rule can set (hosts, methods, networks, paths), each compiled once into
// a test that allocates nothing and a description of why a request missed it, for explain.
import { inNetworks, parseNetworks } from '../shared/net/ip-networks.js';
import type { HostTest } from './host-glob.js';
import { compileHostGlob } from './host-glob.js';
import type { PathTest } from './path-glob.js';
import { compilePathGlob } from './path-glob.js';
import type { MissReason, RequestFacts } from './types.js';

export interface Condition {
  field: MissReason['field'];
  test(facts: RequestFacts): boolean;
  describe(facts: RequestFacts): string;
}

/** Reports a problem with one option of the rule ("hosts[1]"). */
export type Report = (option: string, message: string) => void;

/** Every method Node's HTTP parser accepts (http.METHODS): anything else can never arrive. */
const KNOWN_METHODS: ReadonlySet<string> = new Set([
  'ACL',
  'BIND',
  'CHECKOUT',
  'CONNECT',
  'COPY',
  'DELETE',
  'GET',
  'HEAD',
  'LINK',
  'LOCK',
  'M-SEARCH',
  'MERGE',
  'MKACTIVITY',
  'MKCALENDAR',
  'MKCOL',
  'MOVE',
  'NOTIFY',
  'OPTIONS',
  'PATCH',
  'POST',
  'PROPFIND',
  'PROPPATCH',
  'PURGE',
  'PUT',
  'QUERY',
  'REBIND',
  'REPORT',
  'SEARCH',
  'SOURCE',
  'SUBSCRIBE',
  'TRACE',
  'UNBIND',
  'UNLINK',
  'UNLOCK',
  'UNSUBSCRIBE',
]);

/** `["a", "b"]`, the way explain and problems show a list of what was written. */
export function quoteList(items: readonly string[]): string {
  return `[${items.map((s) => JSON.stringify(s)).join(', ')}]`;
}

/** Undefined when the hosts allow any host. Bad entries are reported and left out. */
export function hostCondition(globs: readonly string[], report: Report): Condition | undefined {
  const exact = new Set<string>();
  const wild: HostTest[] = [];
  let any = false;
  globs.forEach((glob, i) => {
    const compiled = compileHostGlob(glob);
    if (!compiled.ok) return report(`hosts[${i}]`, compiled.reason);
    if (compiled.kind === 'any') any = true;
    else if (compiled.kind === 'exact') exact.add(compiled.exact);
    else wild.push(compiled.test);
  });
  if (any) return undefined;
  return {
    field: 'hosts',
    test: (facts) => {
      if (exact.has(facts.host)) return true;
      for (let i = 0; i < wild.length; i++) if (wild[i]!(facts.host)) return true;
      return false;
    },
    describe: (facts) => `host ${JSON.stringify(facts.host)} matches none of ${quoteList(globs)}`,
  };
}

/**
 * Undefined when the paths allow any path. Bad entries are reported and left out. Case-insensitive
 * conditions compare lower-cased paths (see compilePathGlob for why restricting rules use them).
 */
export function pathCondition(
  globs: readonly string[],
  report: Report,
  caseInsensitive = false,
): Condition | undefined {
  const exact = new Set<string>();
  const tests: PathTest[] = [];
  let any = false;
  globs.forEach((glob, i) => {
    const compiled = compilePathGlob(glob, { caseInsensitive });
    if (!compiled.ok) return report(`paths[${i}]`, compiled.reason);
    if (glob === '/**') any = true;
    else if (compiled.exact !== undefined) exact.add(compiled.exact);
    else tests.push(compiled.test);
  });
  if (any) return undefined;
  return {
    field: 'paths',
    test: (facts) => {
      if (exact.has(caseInsensitive ? facts.path.toLowerCase() : facts.path)) return true;
      for (let i = 0; i < tests.length; i++) if (tests[i]!(facts.path)) return true;
      return false;
    },
    describe: (facts) =>
      `path ${JSON.stringify(facts.path)} matches none of ${quoteList(globs)}${caseInsensitive ? ' (in any case)' : ''}`,
  };
}

export function methodCondition(methods: readonly string[], report: Report): Condition | undefined {
  const allowed = new Set<string>();
  methods.forEach((method, i) => {
    const upper = method.toUpperCase();
    if (!KNOWN_METHODS.has(upper)) return report(`methods[${i}]`, `unknown HTTP method "${method}"`);
    allowed.add(upper);
  });
  const shown = [...allowed];
  return {
    field: 'methods',
    test: (facts) => allowed.has(facts.method),
    describe: (facts) => `method ${JSON.stringify(facts.method)} is none of ${quoteList(shown)}`,
  };
}

export function networkCondition(entries: readonly string[], report: Report): Condition | undefined {
  const { networks: set, errors } = parseNetworks(entries);
  for (const e of errors) report(`networks[${e.index}]`, e.reason);
  return {
    field: 'networks',
    test: (facts) => inNetworks(set, facts.ip),
    describe: (facts) => `address ${JSON.stringify(facts.ip)} is in none of ${quoteList(entries)}`,
  };
}
