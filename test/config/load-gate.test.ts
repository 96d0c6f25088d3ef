// Behaviour of the one validator: config, users and policies loaded together, every problem at once.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterEach, describe, expect, it } from 'vitest';

import { EMBEDDED, loadGate, loadGateFromText } from '../../src/config/load-gate.js';
import { ConfigError, formatProblem } from '../../src/shared/problem.js';
import { CONFIG_SECRET, configText, SECRET_FROM_ENV } from '../helpers/config-text.js';
import { VAPID_PRIVATE_KEY, VAPID_PUBLIC_KEY } from '../helpers/vapid-keys.js';

const ENV = { SESSION_SECRET: CONFIG_SECRET };

const CONFIG = configText({ secret: SECRET_FROM_ENV, directory: '  default_country: IT' });
const USERS = 'users:\n  alice:\n    name: Alice\n    phone: "+39 333 000 0001"\n    groups: [admins]\n';
const POLICY_A = 'rules:\n  - name: health\n    paths: ["/health"]\n    action: bypass\n';
const POLICY_B = 'rules:\n  - name: admins\n    action: challenge\n    groups: [admins]\n';

let dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  dirs = [];
});

/** Writes files into a fresh temp folder and returns the folder. */
async function fixture(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'otp-gate-config-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
  return dir;
}

async function problemsOf(run: Promise<unknown>): Promise<string[]> {
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).problems.map(formatProblem);
}

/** Problems name files relative to the working folder when they can; tests compare the tail. */
const strip = (dir: string) => (line: string) =>
  line.replace(path.relative(process.cwd(), dir) + path.sep, '').replace(dir + path.sep, '');

describe('loadGate', () => {
  it('a complete set of files loads into config, directory and policy', async () => {
    const dir = await fixture({
      'gate.yaml': CONFIG,
      'users.yaml': USERS,
      'policies/20-b.yaml': POLICY_B,
      'policies/10-a.yml': POLICY_A,
    });
    const { gate, warnings } = await loadGate(path.join(dir, 'gate.yaml'), ENV);
    expect(warnings).toEqual([]);
    expect(gate.config.source).toBe(path.join(dir, 'gate.yaml'));
    expect(gate.config.defaultCountry).toBe('IT');
    expect(gate.directory.find('333 000 0001')?.username).toBe('alice');
    expect(gate.policy.rules.map((r) => r.name)).toEqual(['health', 'admins']);
  });

  it('rules remember the file, line and column they were written at', async () => {
    const dir = await fixture({ 'gate.yaml': CONFIG, 'users.yaml': USERS, 'policies/a.yaml': `# first\n${POLICY_B}` });
    const { gate } = await loadGate(path.join(dir, 'gate.yaml'), ENV);
    expect(gate.policy.rules[0]?.origin).toMatchObject({ line: 3, col: 5 });
    expect(gate.policy.rules[0]?.origin.file).toMatch(/policies[/\\]a\.yaml$/);
  });

  it('config, users and policy problems are reported together', async () => {
    const dir = await fixture({
      'gate.yaml': CONFIG.replace('apps:', 'sesion: {}\napps:'),
      'users.yaml': 'users:\n  alice:\n    phone: "+39 1"\n',
      'policies/a.yaml': 'rules:\n  - action: maybe\n',
    });
    const lines = (await problemsOf(loadGate(path.join(dir, 'gate.yaml'), ENV))).map(strip(dir));
    expect(lines[0]).toMatch(/gate\.yaml:1:1: unknown option "sesion" \(did you mean "session"\?\) \(sesion\)$/);
    expect(lines).toContain('users.yaml:3:12: phone number is not a valid number (users.alice.phone)');
    expect(lines.some((l) => l.startsWith('policies/a.yaml:2:') && l.includes('rules[0].action'))).toBe(true);
  });

  it('a missing policy folder is reported where the config names it', async () => {
    const dir = await fixture({ 'gate.yaml': CONFIG, 'users.yaml': USERS });
    const lines = await problemsOf(loadGate(path.join(dir, 'gate.yaml'), ENV));
    expect(lines.map(strip(dir))).toEqual([
      'gate.yaml:9:12: policy file or folder "policies/" not found (policies[0])',
    ]);
  });

  it('a policy folder with no policy files is reported', async () => {
    const dir = await fixture({ 'gate.yaml': CONFIG, 'users.yaml': USERS, 'policies/README.md': '# notes\n' });
    const lines = await problemsOf(loadGate(path.join(dir, 'gate.yaml'), ENV));
    expect(lines.map(strip(dir))).toEqual([
      'gate.yaml:9:12: folder "policies/" holds no .yaml or .yml policy files (policies[0])',
    ]);
  });

  it('a missing users file is reported where the config names it', async () => {
    const dir = await fixture({ 'gate.yaml': CONFIG, 'policies/a.yaml': POLICY_B });
    const lines = await problemsOf(loadGate(path.join(dir, 'gate.yaml'), ENV));
    expect(lines.map(strip(dir))).toEqual([
      'gate.yaml:7:9: cannot read users file "users.yaml": ENOENT (directory.file)',
    ]);
  });

  it('a missing config file is reported', async () => {
    const dir = await fixture({});
    const lines = await problemsOf(loadGate(path.join(dir, 'nope.yaml'), ENV));
    expect(lines.map(strip(dir))).toEqual(['nope.yaml: cannot read config file: ENOENT']);
  });

  it('a missing environment variable fails the load and names the variable', async () => {
    const dir = await fixture({ 'gate.yaml': CONFIG, 'users.yaml': USERS, 'policies/a.yaml': POLICY_B });
    const lines = await problemsOf(loadGate(path.join(dir, 'gate.yaml'), {}));
    expect(lines.map(strip(dir))).toEqual([
      'gate.yaml:5:13: environment variable SESSION_SECRET is not set (session.secrets[0])',
    ]);
  });

  it('the error message lists every problem', async () => {
    const dir = await fixture({
      'gate.yaml': CONFIG.replace('apps:', 'bogus: 1\napps:'),
      'users.yaml': 'users:\n  bob: { nme: x }\n',
    });
    const error = await loadGate(path.join(dir, 'gate.yaml'), ENV).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain('unknown option "bogus"');
    expect(message).toContain('unknown option "nme"');
    expect(message).toContain('not found');
  });

  it('an embedded config resolves paths against the given folder', async () => {
    const dir = await fixture({ 'users.yaml': USERS, 'policies/a.yaml': POLICY_B });
    const { gate } = await loadGateFromText(EMBEDDED, CONFIG, ENV, { baseDir: dir });
    expect(gate.config.source).toBe(EMBEDDED);
    expect(gate.config.directoryFile).toBe(path.join(dir, 'users.yaml'));
  });

  it('the example config with the example users loads with no problems', async () => {
    const root = new URL('../../', import.meta.url);
    const dir = await fixture({
      'users.example.yaml': await readFile(new URL('users.example.yaml', root), 'utf8'),
      'policies/example.yaml': POLICY_B,
    });
    const text = await readFile(new URL('config.example.yaml', root), 'utf8');
    const { gate, warnings } = await loadGateFromText(path.join(dir, 'config.yaml'), text, ENV);
    expect(warnings).toEqual([]);
    expect(gate.directory.find('alice')?.groups).toContain('admins');
  });

  it('the demo config loads with its variables supplied', async () => {
    const { gate } = await loadGate(fileURLToPath(new URL('../../demo/config.yaml', import.meta.url)), {
      DEMO_LISTEN: '127.0.0.1:0',
      DEMO_UPSTREAM: 'http://127.0.0.1:9',
      DEMO_SESSION_SECRET: CONFIG_SECRET,
      DEMO_VAPID_PUBLIC_KEY: VAPID_PUBLIC_KEY,
      DEMO_VAPID_PRIVATE_KEY: VAPID_PRIVATE_KEY,
    });
    expect(gate.config.server.port).toBe(0);
    expect(gate.config.session.secure).toBe(false);
    expect(gate.directory.all().length).toBeGreaterThan(0);
  });
});
