// The set-up guides' config snippets are checked by the gate's own validator and compiler, so
// a guide cannot drift from the schema; and each guide is linked from the README and ends with
// `otp-gate check`.
import { generateKeyPairSync } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { compileConfig } from '../../src/config/compile-config.js';
import { configSchema } from '../../src/config/schema.js';
import { formatProblem } from '../../src/shared/problem.js';
import { loadYaml } from '../../src/shared/yaml-file.js';
import { MINIMAL_CONFIG } from '../helpers/config-text.js';

const ROOT = join(import.meta.dirname, '..', '..');
const DOCS = join(ROOT, 'docs');
const GUIDES = readdirSync(DOCS).filter((f) => /^setup-.*\.md$/.test(f));
/** A private key for ${…_PRIVATE_KEY}: the schema checks that a DKIM key is one. */
const PRIVATE_KEY = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
/** Every ${VAR} a guide uses, filled with a value long enough for any length check. */
const ENV = new Proxy(
  {},
  {
    get: (_t, name) =>
      typeof name !== 'string'
        ? undefined
        : name.endsWith('_PRIVATE_KEY')
          ? PRIVATE_KEY
          : `dummy-${name.toLowerCase()}-value-0123456789abcdef`,
    has: () => true,
  },
);

const yamlBlocks = (markdown: string) => [...markdown.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);

it('there are guides for WhatsApp, Twilio, a generic HTTP SMS provider and e-mail over SMTP', () => {
  expect(GUIDES.sort()).toEqual(['setup-email.md', 'setup-http-sms.md', 'setup-twilio.md', 'setup-whatsapp.md']);
});

describe.each(GUIDES)('%s', (guide) => {
  const text = readFileSync(join(DOCS, guide), 'utf8');

  it('holds gate config that the validator accepts and the compiler builds', () => {
    const blocks = yamlBlocks(text).filter((b) => /^channels:/m.test(b));
    expect(blocks.length).toBeGreaterThan(0);
    for (const block of blocks) {
      const loaded = loadYaml(`docs/${guide}`, MINIMAL_CONFIG + block, configSchema, ENV as NodeJS.ProcessEnv);
      expect(loaded.problems.map(formatProblem)).toEqual([]);
      expect(() =>
        compileConfig(loaded.value!, { source: '/etc/otp-gate/config.yaml', baseDir: '/etc/otp-gate' }),
      ).not.toThrow();
    }
  });

  it('ends with otp-gate check and a first sign-in', () => {
    const last = text.slice(text.lastIndexOf('\n## '));
    expect(last).toContain('otp-gate check --config');
    expect(last).toMatch(/sign in/i);
  });

  it('is linked from the README', () => {
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toContain(`(docs/${guide})`);
  });
});
