// The example policies in policies/ load cleanly through the real loader and do what their
// comments say, so a security team starting from them starts from something true.
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { loadPolicyFiles } from '../../src/config/policy-files.js';
import { decide } from '../../src/policy/decide.js';
import { normalisePath } from '../../src/policy/normalise-path.js';
import type { CompiledPolicy } from '../../src/policy/types.js';
import { facts } from './builders.js';

const folder = fileURLToPath(new URL('../../policies/', import.meta.url));

async function load() {
  return loadPolicyFiles(
    [{ absolute: folder, written: 'policies/', at: { file: 'config.yaml', line: 1, col: 1, path: 'policies[0]' } }],
    { defaultLifetimeMs: 12 * 3_600_000, channels: ['console'], env: {}, display: (p) => p },
  );
}

function ruleFor(policy: CompiledPolicy, target: string, method = 'GET'): string | undefined {
  const n = normalisePath(target);
  if (!n.ok) throw new Error(n.reason);
  return decide(policy, facts({ path: n.path, method })).rule?.name;
}

describe('example policies', () => {
  it('load with no problems', async () => {
    const loaded = await load();
    expect(loaded.problems).toEqual([]);
    expect(loaded.policy?.rules.map((r) => r.name)).toEqual([
      'never-served',
      'health-checks',
      'static-assets',
      'admin',
      'everyone',
    ]);
  });

  it.each([
    ['/.git/config', 'never-served'],
    ['/static/../.env', 'never-served'],
    ['/health', 'health-checks'],
    ['/static/app.css', 'static-assets'],
    ['/admin', 'admin'],
    ['/static/..%2fadmin/users', 'admin'],
    ['/admin/export.js', 'admin'],
    ['/wiki/Home', 'everyone'],
  ])('%j is decided by %s', async (target, name) => {
    const { policy } = await load();
    expect(ruleFor(policy!, target)).toBe(name);
  });

  it('a write to a health check URL is not bypassed', async () => {
    const { policy } = await load();
    expect(ruleFor(policy!, '/health', 'POST')).toBe('everyone');
  });
});
