// The folders of src/ are layers: a file may import from its own folder and from lower layers,
// never from a higher one or a sibling on the same layer. This keeps the pure policy engine free
// of I/O, the domain free of HTTP, and composition in one place, as the tree says it is.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';

import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '..', '..', 'src');

/** Lowest first. A folder on the same line as another may not import it either. */
export const LAYERS: readonly (readonly string[])[] = [
  ['shared'], // duration, problem, yaml files, networks, clock, log: no project imports but shared/
  ['policy', 'directory', 'i18n'], // pure engine, the users file, locale texts
  ['config'], // schema → compile → load
  ['store', 'audit'],
  ['session', 'totp', 'webauthn', 'channels'],
  ['challenge'], // a sign-in attempt: sends over channels, keeps state in the store
  ['ops'], // metrics, readiness, reload, drain
  ['http'], // front door: admission and its adapters, forwarding upstream
  ['pages'], // the Koa app: sign-in pages and webhooks
  ['main'], // composition: assemble, server, Koa middleware
  ['cli'],
  ['.'], // the package's two doors: index.ts and cli.ts
];

const rank = new Map(LAYERS.flatMap((folders, i) => folders.map((f) => [f, i] as const)));

/** The top folder of a path under src/ ('.' for a file at its root). */
function layerOf(fileUnderSrc: string): string {
  const parts = fileUnderSrc.split(sep);
  return parts.length === 1 ? '.' : parts[0]!;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"](\.{1,2}\/[^'"]+)['"]/g;

/** Each import in src/ that goes up or sideways, as "file → target (layer → layer)". */
export function layerBreaches(files: readonly { path: string; text: string }[]): string[] {
  const breaches: string[] = [];
  for (const { path, text } of files) {
    const from = layerOf(path);
    for (const m of text.matchAll(IMPORT)) {
      const target = relative('.', join(dirname(path), m[1]!));
      const to = layerOf(target);
      if (to === from) continue;
      const a = rank.get(from);
      const b = rank.get(to);
      if (a === undefined || b === undefined || b >= a) breaches.push(`${path} → ${target} (${from} → ${to})`);
    }
  }
  return breaches;
}

describe('import layers', () => {
  const files = sourceFiles(SRC).map((file) => ({ path: relative(SRC, file), text: readFileSync(file, 'utf8') }));

  it('places every folder of src/ in a layer', () => {
    const folders = new Set(files.map((f) => layerOf(f.path)));
    expect([...folders].filter((f) => !rank.has(f))).toEqual([]);
  });

  it('has no import from a higher layer or a sibling on the same layer', () => {
    expect(layerBreaches(files)).toEqual([]);
  });

  it('spots an engine file that imports the HTTP layer', () => {
    const text = "import type { Verdict } from '../http/authorize.js';";
    expect(layerBreaches([{ path: join('policy', 'decide.ts'), text }])).toEqual([
      `${join('policy', 'decide.ts')} → ${join('http', 'authorize.js')} (policy → http)`,
    ]);
  });

  it('spots a sibling import on the same layer', () => {
    const text = "import { x } from '../totp/totp.js';";
    expect(layerBreaches([{ path: join('channels', 'sms.ts'), text }])).toHaveLength(1);
  });

  it('lets a file import its own folder and lower layers, dynamic imports included', () => {
    const text =
      "import { a } from './b.js';\nimport { c } from '../../shared/clock.js';\nconst d = await import('../forward/e.js');";
    expect(layerBreaches([{ path: join('pages', 'routes', 'login.ts'), text }])).toEqual([]);
  });
});
