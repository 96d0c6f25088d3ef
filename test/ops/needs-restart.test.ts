// Which settings a reload applies and which wait for a restart: the reloader names each of the
// latter in a warning (docs/upgrading.md lists the same).
import { describe, expect, it } from 'vitest';

import { compileConfig } from '../../src/config/compile-config.js';
import { configSchema } from '../../src/config/schema.js';
import type { GateConfig } from '../../src/config/types.js';
import { needsRestart } from '../../src/ops/reloader.js';
import { formatProblem } from '../../src/shared/problem.js';
import { loadYaml } from '../../src/shared/yaml-file.js';
import { MINIMAL_CONFIG } from '../helpers/config-text.js';

function config(extra: string): GateConfig {
  const loaded = loadYaml('gate.yaml', MINIMAL_CONFIG + extra, configSchema, {});
  expect(loaded.problems.map(formatProblem)).toEqual([]);
  return compileConfig(loaded.value!, { source: '/etc/otp-gate/gate.yaml', baseDir: '/etc/otp-gate' });
}

describe('a reload', () => {
  it.each([
    ['server.listen', 'server:\n  listen: "127.0.0.1:9000"\n'],
    ['server.path_prefix', 'server:\n  path_prefix: /_auth\n'],
    ['server.headers_timeout', 'server:\n  headers_timeout: 10s\n'],
    ['server.max_connections', 'server:\n  max_connections: 50\n'],
    ['server.workers', 'server:\n  workers: 2\nstore:\n  type: redis\n  url: "redis://127.0.0.1:6379/0"\n'],
    ['otp', 'otp:\n  length: 8\n'],
    ['log.level', 'log:\n  level: debug\n'],
    ['metrics', 'metrics:\n  listen: "off"\n'],
    ['pages', 'pages:\n  default_locale: it\n'],
  ])('warns that %s needs a restart', (option, extra) => {
    expect(needsRestart(config(''), config(extra))).toContain(option);
  });

  it('applies policies, users, apps, trusted proxies and identity headers without a warning', () => {
    const after = config('server:\n  trusted_proxies: ["10.0.0.0/8"]\nidentity_headers:\n  user: X-User\n');
    after.apps[0]!.upstream = 'http://10.0.0.6:8080';
    expect(needsRestart(config(''), after)).toEqual([]);
  });
});
