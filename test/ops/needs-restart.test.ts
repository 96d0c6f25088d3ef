// Which settings a reload applies and which wait for a restart: a reload keeps the start-up value
// of each of the latter and names it (docs/upgrading.md lists the same; reload-sections.test.ts
// checks a running gate).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { keepStartupSettings, RESTART_ONLY } from '../../src/config/restart-only.js';
import type { GateConfig } from '../../src/config/types.js';
import { compileConfigText, MINIMAL_CONFIG } from '../helpers/config-text.js';

const config = (text: string): GateConfig => compileConfigText(text);

const STARTED = config(MINIMAL_CONFIG);
const withSection = (extra: string) => config(MINIMAL_CONFIG + extra);
const inSession = (line: string) => config(MINIMAL_CONFIG.replace('session:\n', `session:\n  ${line}\n`));

describe('a reload', () => {
  it.each([
    ['server.listen', withSection('server:\n  listen: "127.0.0.1:9000"\n')],
    ['server.path_prefix', withSection('server:\n  path_prefix: /_auth\n')],
    ['server.watch_files', withSection('server:\n  watch_files: false\n')],
    ['server.headers_timeout', withSection('server:\n  headers_timeout: 10s\n')],
    ['server.request_timeout', withSection('server:\n  request_timeout: 1m\n')],
    ['server.keep_alive_timeout', withSection('server:\n  keep_alive_timeout: 65s\n')],
    ['server.max_connections', withSection('server:\n  max_connections: 50\n')],
    ['store', withSection('store:\n  type: memory\n  max_entries: 500\n')],
    [
      'channels',
      withSection(
        'channels:\n  console: {}\n  sms:\n    provider: http\n    url: "https://sms.example/s?t={{text}}"\n',
      ),
    ],
    ['metrics', withSection('metrics:\n  listen: "off"\n')],
    ['session', inSession('idle_timeout: 5m')],
    ['otp', withSection('otp:\n  length: 8\n')],
    ['audit.file', withSection('audit:\n  file: "off"\n')],
    ['templates.dir', withSection('templates:\n  dir: my-templates\n')],
    ['pages', withSection('pages:\n  default_locale: it\n')],
    ['totp', withSection('totp:\n  keys: ["a-very-long-totp-key-for-tests-only-0123456789ab"]\n')],
    ['log.level', withSection('log:\n  level: debug\n')],
    ['fallback', withSection('fallback:\n  poll_interval: 2s\n')],
  ])('keeps %s as it started, and names it', (setting, edited) => {
    const { config: applied, kept } = keepStartupSettings(STARTED, edited);
    expect(kept).toEqual([setting]);
    expect(keepStartupSettings(STARTED, applied).kept).toEqual([]);
  });

  it('names server.workers with the store it needs', () => {
    const edited = withSection('server:\n  workers: 2\nstore:\n  type: redis\n  url: "redis://127.0.0.1:6379/0"\n');
    expect(keepStartupSettings(STARTED, edited).kept).toEqual(['server.workers', 'store']);
  });

  it('names server.insecure_http with the session whose Secure flag follows it', () => {
    const { config: applied, kept } = keepStartupSettings(STARTED, withSection('server:\n  insecure_http: true\n'));
    expect(kept).toEqual(['server.insecure_http', 'session']);
    expect(applied.session.secure).toBe(true);
  });

  it('keeps the start-up prefix beside a live setting of the same section', () => {
    const edited = withSection('server:\n  path_prefix: /_auth\n  trusted_proxies: ["10.0.0.0/8"]\n');
    const { config: applied } = keepStartupSettings(STARTED, edited);
    expect(applied.server.pathPrefix).toBe('/_gate');
    expect(applied.server.trustedProxies).toEqual(['10.0.0.0/8']);
  });

  it('applies policies, users, apps, trusted proxies, public URL, form size, shutdown timeout and identity headers as written', () => {
    const edited = config(
      MINIMAL_CONFIG.replace('policies/', 'other-policies/').replace(
        'users.yaml',
        'people.yaml\n  default_country: IT',
      ) +
        'server:\n  trusted_proxies: ["10.0.0.0/8"]\n  public_url: "https://gate.example.com"\n' +
        '  max_form_bytes: 2048\n  shutdown_timeout: 20s\n' +
        'identity_headers:\n  user: X-User\n',
    );
    edited.apps[0]!.upstream = 'http://10.0.0.6:8080';
    const { config: applied, kept } = keepStartupSettings(STARTED, edited);
    expect(kept).toEqual([]);
    expect(applied).toEqual(edited);
  });
});

describe('docs/upgrading.md', () => {
  it('lists exactly the restart-only settings in its restart column', () => {
    const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'upgrading.md'), 'utf8');
    const table = doc.slice(doc.indexOf('| --- | --- |'), doc.indexOf('\n\n', doc.indexOf('| --- | --- |')));
    const restartColumn = table
      .split('\n')
      .slice(1)
      .map((row) => row.split('|')[2] ?? '')
      .join(' ');
    const named = [...restartColumn.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
    expect(named.sort()).toEqual(RESTART_ONLY.map((s) => s.name).sort());
  });
});
