// Chooses the app (upstream) for a request by Host and path prefix: exact hosts before
// "*.suffix" wildcards (one label), then the longest matching path prefix. No match is no app:
// an unknown Host never falls through to the first upstream.
import type { AppConfig } from '../config/types.js';

export type AppMatcher = (host: string, path: string) => AppConfig | undefined;

export function createAppMatcher(apps: readonly AppConfig[]): AppMatcher {
  const byPrefixLength = [...apps].sort((a, b) => b.pathPrefix.length - a.pathPrefix.length);
  const exact = new Map<string, AppConfig[]>();
  const wildcard = new Map<string, AppConfig[]>();
  for (const app of byPrefixLength) {
    const [table, key] = app.host.startsWith('*.') ? [wildcard, app.host.slice(2)] : [exact, app.host];
    table.set(key, [...(table.get(key) ?? []), app]);
  }
  const byPath = (candidates: AppConfig[] | undefined, path: string) =>
    candidates?.find((app) => isUnderPrefix(path, app.pathPrefix));

  return (host, path) => {
    const found = byPath(exact.get(host), path);
    if (found) return found;
    const dot = host.indexOf('.');
    return dot > 0 ? byPath(wildcard.get(host.slice(dot + 1)), path) : undefined;
  };
}

/** "/wiki" covers "/wiki" and "/wiki/x", not "/wikipedia". */
export function isUnderPrefix(path: string, prefix: string): boolean {
  if (prefix === '/' || path === prefix) return true;
  return path.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`);
}
