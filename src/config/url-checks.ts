// What is wrong with a URL written in the config, in words, or undefined when it is fine.
// The WHATWG parser is lenient where a config file should not be: "redis://h:/0" parses with
// an empty port (ioredis then quietly uses 6379), "http:10.0.0.5" gains its slashes and
// "redis://h/x" is not a database number. So the text itself is read before `new URL`.
import { z } from 'zod';

export interface UrlRules {
  /** Schemes allowed, without ":" ("http", "https"). */
  schemes: readonly string[];
  /** Words for the expected form, e.g. 'an http:// or https:// URL, like "http://10.0.0.5:8080"'. */
  expected: string;
  /** A "?query" is allowed (a templated SMS endpoint has one; a base URL does not). */
  query?: boolean;
  /** The path must be empty, "/" or "/<database number>" (Redis). */
  dbPath?: boolean;
  /** "{{to}}"-style placeholders stand for URL-encoded text and are read as such. */
  templates?: boolean;
}

// scheme :// [userinfo@] host [:port] path [?query] [#fragment]
const URL_PARTS =
  /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(?:[^@/?#]*@)?(\[[^\]/?#]*\]|[^:/?#]*)(?::([^/?#]*))?([^?#]*)(\?[^#]*)?(#.*)?$/;

export function urlProblem(written: string, rules: UrlRules): string | undefined {
  const text = rules.templates ? written.replace(/\{\{\s*\w+\s*\}\}/g, 'x') : written;
  const parts = URL_PARTS.exec(text);
  const scheme = parts?.[1]?.toLowerCase();
  if (!parts || scheme === undefined || !rules.schemes.includes(scheme)) return `expected ${rules.expected}`;
  const [, , host = '', port, path = '', query, fragment] = parts;
  if (host === '') return `expected a host after "${scheme}://"`;
  if (port !== undefined && !isPort(port)) return 'expected a port from 1 to 65535 after the host';
  if (rules.dbPath && !/^(?:\/[0-9]{0,5})?$/.test(path))
    return 'expected nothing or a database number after the host and port, like "/0"';
  if (query !== undefined && !rules.query) return 'expected no "?..." part in this URL';
  if (fragment !== undefined) return 'expected no "#..." part in this URL';
  try {
    new URL(text);
  } catch {
    return `expected ${rules.expected}`;
  }
  return undefined;
}

function isPort(text: string): boolean {
  return /^[0-9]{1,5}$/.test(text) && Number(text) >= 1 && Number(text) <= 65535;
}

export const REDIS_URL: UrlRules = {
  schemes: ['redis', 'rediss'],
  expected: 'a redis:// or rediss:// URL',
  dbPath: true,
};

export function httpUrlRules(example: string, options: Pick<UrlRules, 'query' | 'templates'> = {}): UrlRules {
  return { schemes: ['http', 'https'], expected: `an http:// or https:// URL, like "${example}"`, ...options };
}

/** A config option holding a URL: each mistake reported in words, with the (password-hidden) value. */
export function urlText(rules: UrlRules) {
  return z
    .string({ error: (iss) => (iss.input === undefined ? undefined : `expected ${rules.expected}`) })
    .superRefine((value, ctx) => {
      const problem = urlProblem(value, rules);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', input: value, message: problem });
    });
}
