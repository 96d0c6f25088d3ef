// The smallest config that loads, as YAML text, for tests of one section appended to it; the
// options are the few variations tests need. Without `server` or `directory` it is eight lines,
// so what a test appends starts on line 9. And config text loaded and compiled as the gate does.
import { expect } from 'vitest';

import { compileConfig } from '../../src/config/compile-config.js';
import { SECRET_OPTIONS } from '../../src/config/config-secrets.js';
import { configSchema } from '../../src/config/schema.js';
import type { GateConfig } from '../../src/config/types.js';
import { formatProblem } from '../../src/shared/problem.js';
import { loadYaml } from '../../src/shared/yaml-file.js';

export const CONFIG_SECRET = 'a-very-long-session-secret-for-tests-only-0123456789';

/** Written as the secret, it reads SESSION_SECRET from the environment. */
export const SECRET_FROM_ENV = '${SESSION_SECRET}';

export interface ConfigTextOptions {
  /** Lines of a `server:` section (indented by two), written first. */
  server?: string;
  /** The one app's host and upstream. */
  host?: string;
  upstream?: string;
  /** The session secret as written (SECRET_FROM_ENV for one from the environment). */
  secret?: string;
  /** More lines of the `directory:` section (indented by two). */
  directory?: string;
}

export function configText(options: ConfigTextOptions = {}): string {
  return [
    ...(options.server === undefined ? [] : ['server:', options.server]),
    'apps:',
    `  - host: ${options.host ?? 'wiki.example.com'}`,
    `    upstream: "${options.upstream ?? 'http://10.0.0.5:8080'}"`,
    'session:',
    `  secrets: ["${options.secret ?? CONFIG_SECRET}"]`,
    'directory:',
    '  file: users.yaml',
    ...(options.directory === undefined ? [] : [options.directory]),
    'policies: [policies/]',
    '',
  ].join('\n');
}

export const MINIMAL_CONFIG = configText();

/** The minimal config reading its secret from the environment, as a real one should, and that environment. */
export const MINIMAL_FROM_ENV = configText({ secret: SECRET_FROM_ENV });
export const SECRET_ENV: NodeJS.ProcessEnv = { SESSION_SECRET: CONFIG_SECRET };

/** The problems in config text read as gate.yaml, each as `otp-gate check` prints it. */
export const configProblems = (text: string, env: NodeJS.ProcessEnv = {}): string[] =>
  loadYaml('gate.yaml', text, configSchema, env, { secretOptions: SECRET_OPTIONS }).problems.map(formatProblem);

/** Compiles config text, which must have no problem, as /etc/otp-gate/gate.yaml. */
export function compileConfigText(text: string, env: NodeJS.ProcessEnv = {}): GateConfig {
  const out = loadYaml('gate.yaml', text, configSchema, env, { secretOptions: SECRET_OPTIONS });
  expect(out.problems.map(formatProblem)).toEqual([]);
  return compileConfig(out.value!, { source: '/etc/otp-gate/gate.yaml', baseDir: '/etc/otp-gate' });
}
