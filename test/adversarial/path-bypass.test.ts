// Attacks on the path: every trick that might make the gate's view of a path differ from the
// upstream's. The invariant: an anonymous request reaches the upstream only under the bypass
// rule, and the upstream receives a normalised path that the rule saw.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { useGate } from '../helpers/gate.js';
import { rawGet } from '../helpers/raw-http.js';
import { FUZZ } from './fuzz-runs.js';

const env = useGate();

const PIECES = [
  '/',
  '//',
  '.',
  '..',
  '%2e',
  '%2E',
  '%2e%2e',
  '.%2e',
  '%2f',
  '%2F',
  '%5c',
  '\\',
  ';',
  ';x=1',
  '..;',
  '%252e',
  '%252f',
  '%00',
  '%0a',
  '%c0%ae',
  '%c0%af',
  '%e2%80%a5',
  '%ef%bc%8f',
  'admin',
  'ADMIN',
  'Admin',
  '%61dmin',
  'public',
  'PUBLIC',
  'blocked',
  'x',
  '?',
  '?a=/admin',
  '#',
  '#/admin',
  '%3f',
  '%23',
  '~',
  '*',
  '%20',
  '+',
  'é',
  '%C3%A9',
  '\u2024',
];

const pieces = fc.array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 10 }).map((parts) => parts.join(''));
// Half the attempts start inside the bypass rule and try to climb out of it.
const target = fc.oneof(
  pieces.map((p) => `/${p}`),
  pieces.map((p) => `/public/${p}`),
);

/** Whether a typical upstream would normalise the path any further (decode once, then dot segments, empty segments, backslashes). */
function needsNormalising(decodedPath: string): boolean {
  const segments = decodedPath.split('/').slice(1);
  return (
    decodedPath.includes('\\') ||
    segments.some((s, i) => s === '.' || s === '..' || (s === '' && i < segments.length - 1))
  );
}

async function attempt(path: string): Promise<{ status: number; reached: string | undefined }> {
  const before = env.upstream.seen.length;
  const { status } = await rawGet(env.gate.url, path, ['Accept: application/json']);
  const reached = env.upstream.seen.slice(before).find((r) => r.method === 'GET')?.url;
  return { status, reached };
}

function assertOnlyBypassReached(path: string, result: { status: number; reached: string | undefined }): void {
  if (result.reached === undefined) {
    expect([302, 400, 401, 403, 404], `status for ${JSON.stringify(path)}`).toContain(result.status);
    return;
  }
  expect(result.status, `status for ${JSON.stringify(path)}`).toBe(200);
  const seen = decodeURIComponent(result.reached.split('?')[0]!);
  // The upstream got a path that needs no further normalising: the path the rule saw.
  expect(needsNormalising(seen), `upstream would still normalise ${JSON.stringify(result.reached)}`).toBe(false);
  expect(seen, `${JSON.stringify(path)} reached the upstream as ${JSON.stringify(result.reached)}`).toMatch(
    /^\/public(\/|$)/,
  );
}

describe('path tricks', () => {
  it.each([
    '/public/../admin/panel',
    '/public/%2e%2e/admin/panel',
    '/public/%2E%2E/admin',
    '/public/.%2e/admin',
    '/public/%2e./admin',
    '/public/..%2fadmin',
    '/public/..%2Fadmin',
    '/public%2f..%2fadmin',
    '/public/..%5cadmin',
    '/public/..\\admin',
    '/public\\..\\admin',
    '/public/..;/admin',
    '/public/.;/admin',
    '/public;/../admin',
    '/public/%252e%252e/admin',
    '/public/%c0%ae%c0%ae/admin',
    '/public/%00/../admin',
    '//public/../admin',
    '/public//../../admin',
    '/./public/../admin',
    '/public/./../admin/',
    '/public/..%00/admin',
    '/public/%2e%2e%2fadmin',
    '/public/..%252fadmin',
    '/public/...//admin',
  ])('%s does not reach a protected path anonymously', async (path) => {
    assertOnlyBypassReached(path, await attempt(path));
  });

  it('a query string or fragment cannot make a rule match', async () => {
    for (const path of ['/admin?/public/x', '/admin#/public/x', '/admin%3f/public/x', '/admin%23/public/x']) {
      assertOnlyBypassReached(path, await attempt(path));
    }
  });

  it('a very long path is refused or handled, never passed unchecked', async () => {
    const long = `/public/${'a/'.repeat(5000)}../`.slice(0, 12_000);
    const result = await attempt(long);
    if (result.reached !== undefined) assertOnlyBypassReached(long, result);
    else expect([400, 414, 431]).toContain(result.status);
  });

  it('no generated path reaches anything but the bypass rule anonymously', async () => {
    let reached = 0;
    await fc.assert(
      fc.asyncProperty(target, async (path) => {
        const result = await attempt(path);
        if (result.reached !== undefined) reached++;
        assertOnlyBypassReached(path, result);
      }),
      { seed: FUZZ.seed, numRuns: FUZZ.numRuns },
    );
    // The generator must also produce paths that legitimately pass, or the property proves nothing.
    expect(reached).toBeGreaterThan(0);
  });
});

describe('case', () => {
  it('a restricting rule catches any case, for upstreams that ignore case', async () => {
    for (const path of ['/ADMIN/panel', '/Admin/panel', '/aDmIn', '/%41dmin/panel', '/BLOCKED/x']) {
      const result = await attempt(path);
      expect(result.reached, path).toBeUndefined();
    }
  });

  it('a bypass rule stays exact, so a case variant falls to the rules after it', async () => {
    const result = await attempt('/PUBLIC/x');
    expect(result.reached).toBeUndefined();
    expect(result.status).toBe(401);
  });
});
