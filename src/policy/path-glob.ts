// Path globs of rules, compiled once with picomatch and matched against the normalised path
// (never the query). "*" stays within a segment, "**" as a whole segment is any number of
// segments including none, so "/admin/**" covers "/admin" and "/**/*.css" covers "/a.css".
import picomatch from 'picomatch';

export type PathTest = (path: string) => boolean;

/** `exact` is set when the glob is a plain path, so callers can put those in one Set. */
export type CompiledPathGlob = { ok: true; test: PathTest; exact?: string } | { ok: false; reason: string };

const OPTIONS: picomatch.PicomatchOptions = {
  // Dotfiles are paths like any other: "/**" must cover "/.git/config" and "/.env".
  dot: true,
  // Paths are URL paths, never Windows paths, whatever the platform.
  windows: false,
  // "!" negation would turn a rule inside out; "[", "{", "(" left open are typos, not literals.
  nonegate: true,
  strictBrackets: true,
};

// Characters that make a glob more than a literal path (picomatch's syntax, plus its escape).
const GLOB_SYNTAX = /[*?[\]{}()!+@\\]/;
// Normalised paths never contain these, so a glob with them can never match.
const NEVER_NORMAL = /\/\.{1,2}(?:\/|$)|\/\//;
// Paths are matched after one decode and a path still encoded after it is refused.
const PERCENT_ESCAPE = /%[0-9a-fA-F]{2}/;
// A leading run of "/**" segments followed by more glob.
const LEADING_GLOBSTAR = /^(?:\/\*\*)+(\/.+)$/;

/**
 * `caseInsensitive` is for rules that restrict (challenge, deny): on an upstream that ignores case
 * (IIS, some Java and macOS deployments) "/ADMIN" is "/admin", so a restricting rule must catch it;
 * a bypass rule stays exact, so a case variant falls through to the rules after it.
 */
export function compilePathGlob(glob: string, options: { caseInsensitive?: boolean } = {}): CompiledPathGlob {
  const nocase = options.caseInsensitive === true;
  if (!glob.startsWith('/')) return { ok: false, reason: `path "${glob}" does not start with "/"` };
  if (NEVER_NORMAL.test(glob)) {
    return { ok: false, reason: `path "${glob}" has "//", "." or ".." segments, which normalised paths never have` };
  }
  if (PERCENT_ESCAPE.test(glob)) {
    return {
      ok: false,
      reason: `path "${glob}" is percent-encoded: paths are matched decoded, so write " " rather than "%20"`,
    };
  }
  if (!GLOB_SYNTAX.test(glob)) {
    if (!nocase) return { ok: true, exact: glob, test: (path) => path === glob };
    const lower = glob.toLowerCase();
    return { ok: true, exact: lower, test: (path) => path.toLowerCase() === lower };
  }
  const costly = backtrackingRisk(glob);
  if (costly !== undefined) return { ok: false, reason: `path "${glob}": ${costly}` };
  try {
    const options: picomatch.PicomatchOptions = nocase ? { ...OPTIONS, nocase } : OPTIONS;
    const re = picomatch.makeRe(glob, options);
    // picomatch's "/**/x" wants at least one segment for "**"; elsewhere "**" may be empty.
    // Matching "/x" as well keeps "**" meaning one thing wherever it is written.
    const rest = LEADING_GLOBSTAR.exec(glob)?.[1];
    if (rest === undefined) return { ok: true, test: (path) => re.test(path) };
    const short = picomatch.makeRe(rest, options);
    return { ok: true, test: (path) => re.test(path) || short.test(path) };
  } catch (error) {
    return {
      ok: false,
      reason: `path "${glob}" is not a valid glob: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

/**
 * picomatch compiles globs to backtracking regexes: each "*" sharing a segment with another, and
 * each "**" before the last segment, multiplies the work on a long crafted path (ReDoS). One of
 * each keeps matching linear in practice; more is refused with a way out.
 */
function backtrackingRisk(glob: string): string | undefined {
  if (picomatch.scan(glob, OPTIONS).isExtglob)
    return 'extglobs such as "+(a|b)" are not supported; list the alternatives as separate globs';
  const segments = glob.split('/');
  let innerGlobstars = 0;
  for (let i = 1; i < segments.length; i++) {
    const segment = segments[i]!;
    if (segment === '**') {
      if (i < segments.length - 1) innerGlobstars++;
    } else if (unescapedStars(segment) > 1) {
      return 'has more than one "*" in a segment, which makes matching slow on crafted paths; use one "*" per segment or list separate globs';
    }
  }
  return innerGlobstars > 1
    ? 'has more than one "**" before its last segment, which makes matching slow on crafted paths; list separate globs'
    : undefined;
}

function unescapedStars(segment: string): number {
  let count = 0;
  for (let i = 0; i < segment.length; i++) {
    if (segment[i] === '\\') i++;
    else if (segment[i] === '*') count++;
  }
  return count;
}
