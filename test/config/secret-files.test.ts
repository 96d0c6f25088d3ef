// Secrets from files, as Docker and Kubernetes mount them: `${file:/path}` anywhere, and a `_file`
// twin beside each secret option. A file that cannot be read is an error naming the config file,
// the line and the secret file's path; what a file holds is never repeated.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadGate } from '../../src/config/load-gate.js';
import { assertionsSection, testKey } from '../helpers/assertion-keys.js';
import {
  compileConfigText,
  CONFIG_SECRET,
  configProblems,
  configText,
  MINIMAL_CONFIG,
} from '../helpers/config-text.js';
import type { TestGate } from '../helpers/gate.js';
import { startTestGate } from '../helpers/gate.js';
import type { TestUpstream } from '../helpers/upstream.js';
import { startUpstream } from '../helpers/upstream.js';

const dir = mkdtempSync(join(tmpdir(), 'otp-gate-secrets-'));
const secretFile = (name: string, text: string) => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};
const MISSING = join(dir, 'not-there');
const redis = (lines: string) => `store:\n  type: redis\n  url: "redis://127.0.0.1:6379"\n${lines}\n`;

describe('${file:...} in a config value', () => {
  it('puts the file in, without its trailing newline', () => {
    const file = secretFile('session', `${CONFIG_SECRET}\n`);
    const config = compileConfigText(configText({ secret: `\${file:${file}}` }));
    expect(config.session.secrets).toEqual([CONFIG_SECRET]);
  });

  it('names the config line and the file when the file is missing', () => {
    expect(configProblems(configText({ secret: `\${file:${MISSING}}` }))).toEqual([
      `gate.yaml:5:13: cannot read secret file "${MISSING}": ENOENT (session.secrets[0])`,
    ]);
  });

  it("reads a relative path from the config file's folder", async () => {
    const folder = mkdtempSync(join(tmpdir(), 'otp-gate-secrets-'));
    writeFileSync(join(folder, 'session-secret'), CONFIG_SECRET);
    writeFileSync(join(folder, 'users.yaml'), 'users: {}\n');
    writeFileSync(join(folder, 'policy.yaml'), 'rules: [{ name: all, action: bypass }]\n');
    const text = configText({ secret: '${file:session-secret}' }).replace('[policies/]', '[policy.yaml]');
    writeFileSync(join(folder, 'gate.yaml'), text);
    const { gate } = await loadGate(join(folder, 'gate.yaml'), {});
    expect(gate.config.session.secrets).toEqual([CONFIG_SECRET]);
  });
});

describe('a _file twin of a secret option', () => {
  it('reads a string option from its file', () => {
    const file = secretFile('redis', 'redis-password\n');
    expect(compileConfigText(MINIMAL_CONFIG + redis(`  password_file: ${file}`)).store).toMatchObject({
      password: 'redis-password',
    });
  });

  it("reads the e-mail channel's SMTP password from its file", () => {
    const file = secretFile('smtp', 'smtp-password-77\n');
    const email = `channels:\n  email:\n    host: smtp.example.com\n    auth: { user: gate, password_file: ${file} }\n    from: sign-in@example.com\n`;
    expect(compileConfigText(MINIMAL_CONFIG + email).channels.email).toMatchObject({
      auth: { user: 'gate', password: 'smtp-password-77' },
    });
  });

  it('reads a list option from a list of files', () => {
    const [a, b] = [secretFile('a', `${CONFIG_SECRET}-a\n`), secretFile('b', `${CONFIG_SECRET}-b`)];
    const text = MINIMAL_CONFIG.replace(`  secrets: ["${CONFIG_SECRET}"]`, `  secrets_file: [${a}, ${b}]`);
    expect(compileConfigText(text).session.secrets).toEqual([`${CONFIG_SECRET}-a`, `${CONFIG_SECRET}-b`]);
  });

  it('names the config line and the file when the file is missing', () => {
    expect(configProblems(MINIMAL_CONFIG + redis(`  password_file: ${MISSING}`))).toEqual([
      `gate.yaml:12:18: cannot read secret file "${MISSING}": ENOENT (store.password)`,
    ]);
  });

  it('is refused beside the option it stands for', () => {
    const file = secretFile('both', 'x');
    expect(configProblems(MINIMAL_CONFIG + redis(`  password: inline\n  password_file: ${file}`))).toEqual([
      `gate.yaml:13:18: give "password" or "password_file", not both (store.password_file)`,
    ]);
  });

  it('never repeats what the file holds in a message', () => {
    const file = secretFile('short', 'tooshort-secret');
    const text = MINIMAL_CONFIG.replace(`  secrets: ["${CONFIG_SECRET}"]`, `  secrets_file: [${file}]`);
    const problems = configProblems(text);
    expect(problems).toEqual([expect.stringMatching(/^gate\.yaml:5:18: .*at least 32 characters/)]);
    expect(problems.join('\n')).not.toContain('tooshort-secret');
  });
});

describe('a reload', () => {
  let upstream: TestUpstream;
  let gate: TestGate;
  const keyFile = join(dir, 'jwt.pem');
  const jwksKid = async () =>
    (
      JSON.parse((await request(gate.url).get('/_gate/.well-known/jwks.json').expect(200)).text) as {
        keys: Array<{ x: string }>;
      }
    ).keys[0]!.x;

  beforeAll(async () => {
    writeFileSync(keyFile, testKey('k').pem);
    upstream = await startUpstream();
    gate = await startTestGate({
      upstream: upstream.url,
      extraConfig: assertionsSection([]).replace(
        '  keys:\n',
        `  issuer: "https://gate.example.com"\n  keys:\n    - { kid: k, algorithm: EdDSA, private_key_file: ${keyFile} }\n`,
      ),
    });
  });
  afterAll(async () => {
    await gate?.close();
    await upstream?.close();
  });

  it('reads the secret files again', async () => {
    const before = await jwksKid();
    writeFileSync(keyFile, testKey('k').pem);
    gate.gate.reload((await loadGate(join(gate.dir, 'config.yaml'), {})).gate);
    expect(await jwksKid()).not.toBe(before);
  });
});
