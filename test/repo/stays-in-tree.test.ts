// Nothing in the project may read outside its own tree: a fresh clone, alone in an empty folder,
// must pass. This catches a path that leaves the checkout before CI's fresh clone does.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

import { describe, expect, it } from 'vitest';

const REPO = join(import.meta.dirname, '..', '..');
/** This file, whose examples of bad paths are meant. */
const SELF = relative(REPO, import.meta.filename);

/** Files whose relative paths are resolved from their own folder (code, and YAML's modelines). */
const RESOLVED_FROM_FILE = /\.(ts|js|mjs|cjs|ya?ml)$/;

/** A quoted absolute path into a home or work folder: it names one machine. */
const MACHINE_PATH = /['"`](\/work|\/home|\/Users|\/root)\//;
/** A relative path written as a string: '../x', '../../x'. */
const RELATIVE_PATH = /(?<=['"`=])((?:\.\.\/)+)[^'"`\s]*/g;
/** join(import.meta.dirname, '..', '..', …): each '..' climbs one folder. */
const DIRNAME_CLIMB = /import\.meta\.dirname((?:,\s*'\.\.')+)/g;

/** Each place in one file's text that points outside the repository, as "file:line: why". */
export function pathsLeavingTree(repo: string, file: string, text: string): string[] {
  const found: string[] = [];
  const here = dirname(join(repo, file));
  const outside = (target: string) => relative(repo, resolve(here, target)).startsWith('..');
  text.split('\n').forEach((line, i) => {
    const at = `${file}:${i + 1}`;
    if (MACHINE_PATH.test(line)) found.push(`${at}: an absolute path on one machine: ${line.trim()}`);
    if (!RESOLVED_FROM_FILE.test(file)) return;
    for (const m of line.matchAll(RELATIVE_PATH)) {
      if (outside(m[1]!)) found.push(`${at}: "${m[0]}" leaves the repository`);
    }
    for (const m of line.matchAll(DIRNAME_CLIMB)) {
      const climb = m[1]!.match(/'\.\.'/g)!.length;
      if (outside('../'.repeat(climb)))
        found.push(`${at}: import.meta.dirname climbs ${climb} folder(s), out of the repository`);
    }
  });
  return found;
}

/** Tracked files and new ones not ignored: what a commit would carry. */
function projectFiles(): string[] {
  const out = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], {
    cwd: REPO,
    encoding: 'utf8',
  });
  return out.split('\0').filter((f) => f !== '' && f !== SELF);
}

describe('the repository stays inside its own tree', () => {
  it('no file names a path outside the checkout', () => {
    const found = projectFiles().flatMap((file) => {
      let text: string;
      try {
        text = readFileSync(join(REPO, file), 'utf8');
      } catch {
        return []; // deleted in the work tree but still in the index
      }
      return pathsLeavingTree(REPO, file, text);
    });
    expect(found).toEqual([]);
  });

  it('spots a test that reads a folder beside the checkout', () => {
    const line = "const v = new URL('../../../shared/reference/vectors.json', import.meta.url);";
    expect(pathsLeavingTree('/r', 'test/totp/x.test.ts', line)).toEqual([
      'test/totp/x.test.ts:1: "../../../shared/reference/vectors.json" leaves the repository',
    ]);
  });

  it('accepts a path that climbs only as far as the repository root', () => {
    const line = "import { x } from '../../src/x.js'; const d = join(import.meta.dirname, '..', '..');";
    expect(pathsLeavingTree('/r', 'test/cli/x.test.ts', line)).toEqual([]);
  });

  it('spots import.meta.dirname climbing past the root', () => {
    const line = "const SHARED = join(import.meta.dirname, '..', '..', '..', 'shared');";
    expect(pathsLeavingTree('/r', 'test/cli/x.test.ts', line)).toEqual([
      'test/cli/x.test.ts:1: import.meta.dirname climbs 3 folder(s), out of the repository',
    ]);
  });

  it('spots an absolute path into a work folder, in any file', () => {
    expect(pathsLeavingTree('/r', 'README.md', 'see "/work/shared/DESIGN.md"')).toHaveLength(1);
  });
});
