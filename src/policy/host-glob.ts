// Host globs of rules, compiled once. Matching is case-insensitive (hosts arrive lower-case) and
// label-wise: "*" is exactly one label, a leftmost "**" is any number of labels including none,
// and "*" or "**" alone is any host. Anything else is a literal host or bracketed IPv6 literal.

export type HostTest = (host: string) => boolean;

/** `exact` is the host when the glob is a plain host, so callers can put those in one Set. */
export type CompiledHostGlob =
  | { ok: true; kind: 'any' | 'wildcard'; test: HostTest }
  | { ok: true; kind: 'exact'; exact: string; test: HostTest }
  | { ok: false; reason: string };

const LABEL = /^[a-z0-9-]+$/;
const IPV6_LITERAL = /^\[[0-9a-f:.]+\]$/;

const anyHost: HostTest = () => true;

export function compileHostGlob(glob: string): CompiledHostGlob {
  const text = glob.toLowerCase().replace(/\.$/, '');
  if (text === '*' || text === '**') return { ok: true, kind: 'any', test: anyHost };
  if (IPV6_LITERAL.test(text)) return exactHost(text);
  if (text.includes(':')) return { ok: false, reason: `host "${glob}" has a port: hosts match without their port` };
  const labels = text.split('.');
  if (!labels.every((l) => l === '*' || l === '**' || LABEL.test(l))) {
    return labels.some((l) => l.includes('*'))
      ? { ok: false, reason: `host "${glob}": "*" and "**" must stand for whole labels, as in "*.example.com"` }
      : { ok: false, reason: `host "${glob}" is not a host name (letters, digits, "-" and "." only)` };
  }
  if (labels.indexOf('**') > 0)
    return { ok: false, reason: `host "${glob}": "**" may only be the leftmost label, as in "**.example.com"` };
  if (!text.includes('*')) return exactHost(text);

  let source = labels[0] === '**' ? '(?:[^.]+\\.)*' : '';
  source += labels
    .slice(labels[0] === '**' ? 1 : 0)
    .map((l) => (l === '*' ? '[^.]+' : l))
    .join('\\.');
  const re = new RegExp(`^${source}$`);
  return { ok: true, kind: 'wildcard', test: (host) => re.test(host) };
}

function exactHost(text: string): CompiledHostGlob {
  return { ok: true, kind: 'exact', exact: text, test: (host) => host === text };
}
