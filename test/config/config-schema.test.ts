// Behaviour of the config schema and its compilation to GateConfig.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import {
  compileConfigText,
  CONFIG_SECRET,
  configProblems,
  MINIMAL_FROM_ENV as MINIMAL,
  SECRET_ENV,
} from '../helpers/config-text.js';

const ENV = SECRET_ENV;

const lines = (text: string, env: NodeJS.ProcessEnv = ENV) => configProblems(text, env);
const compile = (text: string, env: NodeJS.ProcessEnv = ENV) => compileConfigText(text, env);

describe('config schema', () => {
  it('a minimal config gets every default', () => {
    const config = compile(MINIMAL);
    expect(config.server).toEqual({
      host: '0.0.0.0',
      port: 8080,
      socket: undefined,
      socketMode: 0o660,
      publicUrl: undefined,
      pathPrefix: '/_gate',
      trustedProxies: [],
      insecureHttp: false,
      maxFormBytes: 16384,
      workers: 1,
      shutdownTimeout: 10_000,
      watchFiles: true,
      headersTimeout: 30_000,
      requestTimeout: 0,
      keepAliveTimeout: 5_000,
      maxConnections: 10_000,
    });
    expect(config.metrics).toEqual({ listen: { host: '127.0.0.1', port: 9464 } });
    expect(config.apps).toEqual([
      {
        host: 'wiki.example.com',
        pathPrefix: '/',
        upstream: 'http://10.0.0.5:8080',
        timeout: 30_000,
        name: 'wiki.example.com',
        passAuthorization: false,
      },
    ]);
    expect(config.session).toEqual({
      cookieName: 'otp_gate',
      domain: undefined,
      secure: true,
      secrets: [CONFIG_SECRET],
      lifetime: 12 * 3_600_000,
      idleTimeout: 3_600_000,
      verifiedCache: 500,
    });
    expect(config.store).toEqual({ type: 'memory', maxEntries: 250_000 });
    expect(config.otp).toEqual({
      length: 6,
      ttl: 300_000,
      maxAttempts: 5,
      resendAfter: 30_000,
      maxSendsPerHour: 5,
      maxSendsPerAddressPerHour: 20,
      maxSendsPerNetworkPerHour: 60,
      networkBits: { ipv4: 24, ipv6: 64 },
      lockoutAfter: 10,
      lockoutDuration: 900_000,
      maxSendsPerDestinationPerHour: 5,
      maxSendsPerPrefixPerHour: 50,
      prefixDigits: 6,
      maxSendsPerHourTotal: 1000,
    });
    expect(config.channels).toEqual({ console: { type: 'console' } });
    expect(config.audit).toEqual({ file: '-' });
    expect(config.log).toEqual({ level: 'info' });
    expect(config.identityHeaders).toEqual({
      user: 'Remote-User',
      name: 'Remote-Name',
      groups: 'Remote-Groups',
      strip: [
        'X-Forwarded-User',
        'X-Auth-Request-User',
        'X-Auth-Request-Email',
        'X-Forwarded-Email',
        'X-Forwarded-Groups',
        'X-Remote-User',
      ],
    });
    expect(config.defaultCountry).toBeUndefined();
  });

  it('durations like 1h30m compile to milliseconds', () => {
    const config = compile(MINIMAL.replace('session:\n', 'session:\n  lifetime: 1h30m\n  idle_timeout: 90s\n'));
    expect(config.session.lifetime).toBe(5_400_000);
    expect(config.session.idleTimeout).toBe(90_000);
  });

  it('relative paths resolve against the config file folder', () => {
    const config = compile(`${MINIMAL}audit:\n  file: logs/audit.jsonl\ntemplates:\n  dir: ./my-templates\n`);
    expect(config.directoryFile).toBe(path.resolve('/etc/otp-gate/users.yaml'));
    expect(config.policySources).toEqual([path.resolve('/etc/otp-gate/policies')]);
    expect(config.audit.file).toBe(path.resolve('/etc/otp-gate/logs/audit.jsonl'));
    expect(config.templatesDir).toBe(path.resolve('/etc/otp-gate/my-templates'));
    expect(config.source).toBe('/etc/otp-gate/gate.yaml');
  });

  it('the templates folder defaults to the shipped templates', () => {
    const shipped = fileURLToPath(new URL('../../templates/', import.meta.url));
    expect(compile(MINIMAL).templatesDir).toBe(shipped);
  });

  it('hosts are lower-cased and wildcards and path prefixes are kept', () => {
    const text = MINIMAL.replace(
      '  - host: wiki.example.com\n',
      '  - host: "*.Example.COM"\n    path_prefix: /wiki/\n',
    );
    expect(compile(text).apps[0]).toMatchObject({ host: '*.example.com', pathPrefix: '/wiki' });
  });

  it('listen accepts IPv6 and the gate path prefix loses its trailing slash', () => {
    const config = compile(
      `${MINIMAL}server:\n  listen: "[::]:9000"\n  path_prefix: /auth/\n  public_url: https://gate.example.com/\n`,
    );
    expect(config.server).toMatchObject({
      host: '::',
      port: 9000,
      pathPrefix: '/auth',
      publicUrl: 'https://gate.example.com',
    });
  });

  it('a redis store compiles with its defaults', () => {
    const config = compile(`${MINIMAL}store:\n  type: redis\n  url: redis://127.0.0.1:6379/2\n`);
    expect(config.store).toMatchObject({
      type: 'redis',
      address: { kind: 'url', url: 'redis://127.0.0.1:6379/2' },
      keyPrefix: 'otp-gate:',
    });
  });

  it('session.secure defaults to the opposite of server.insecure_http', () => {
    expect(compile(`${MINIMAL}server:\n  insecure_http: true\n`).session.secure).toBe(false);
  });

  it('session.secure false is refused without server.insecure_http', () => {
    const text = MINIMAL.replace('session:\n', 'session:\n  secure: false\n');
    expect(lines(text)).toEqual([
      'gate.yaml:5:11: "secure: false" is only allowed together with server.insecure_http: true (plain HTTP, for development) (session.secure)',
    ]);
    expect(lines(`${text}server:\n  insecure_http: true\n`)).toEqual([]);
  });

  it('a short secret says how to make one and never shows it', () => {
    const out = lines(MINIMAL, { SESSION_SECRET: 'short-secret-value' });
    expect(out).toEqual([
      'gate.yaml:5:13: must be at least 32 characters long; generate one with: openssl rand -base64 48 (session.secrets[0])',
    ]);
    expect(out.join('')).not.toContain('short-secret-value');
  });

  it('a code lifetime over ten minutes is refused', () => {
    expect(lines(`${MINIMAL}otp:\n  ttl: 15m\n`)).toEqual(['gate.yaml:10:8: must be at most 10m (otp.ttl)']);
  });

  it('a channel type that does not exist is an unknown option', () => {
    expect(lines(`${MINIMAL}channels:\n  consle: {}\n`)).toEqual([
      'gate.yaml:10:3: unknown option "consle" (did you mean "console"?) (channels.consle)',
    ]);
  });

  it('no channel at all is refused', () => {
    expect(lines(`${MINIMAL}channels: {}\n`)).toEqual(['gate.yaml:9:11: configure at least one channel (channels)']);
  });

  it('two apps for the same host and path are refused', () => {
    const text = MINIMAL.replace('session:', '  - host: WIKI.example.com\n    upstream: "http://10.0.0.6"\nsession:');
    expect(lines(text)).toEqual(['gate.yaml:4:11: the same host and path prefix as apps[0] (apps[1].host)']);
  });

  it('a value of the wrong type says what form is expected', () => {
    expect(lines(`${MINIMAL}server:\n  listen: 8080\n`)).toEqual([
      'gate.yaml:10:11: expected "host:port", like "0.0.0.0:8080", got 8080 (server.listen)',
    ]);
  });

  it('missing required sections are each named', () => {
    expect(lines('server:\n  listen: "0.0.0.0:8080"\n')).toEqual([
      'gate.yaml:1:1: missing required option "apps" (apps)',
      'gate.yaml:1:1: missing required option "session" (session)',
      'gate.yaml:1:1: missing required option "directory" (directory)',
      'gate.yaml:1:1: missing required option "policies" (policies)',
    ]);
  });

  it('a broken config reports every problem with file, line, column and option', () => {
    const text = [
      'server:',
      '  listen: "8080"',
      '  path_prefix: gate',
      '  trusted_proxies: ["10.0.0.0/33"]',
      'apps:',
      '  - host: https://wiki.example.com',
      '    upstream: ftp://10.0.0.5',
      '    timeout: 5 minutes',
      'session:',
      '  secrets: ["${SESSION_SECRET}"]',
      'directory:',
      '  file: users.yaml',
      '  default_country: Italy',
      'policies: [policies/]',
      'otp:',
      '  length: 4',
      'store:',
      '  type: mysql',
      'log:',
      '  level: verbose',
      '',
    ].join('\n');
    expect(lines(text)).toEqual([
      'gate.yaml:2:11: expected "host:port", like "0.0.0.0:8080" or "[::]:8080", or "unix:" and an absolute path, got "8080" (server.listen)',
      'gate.yaml:3:16: expected a path starting with "/", like "/_gate", got "gate" (server.path_prefix)',
      'gate.yaml:4:21: expected an IP address or CIDR, like "10.0.0.0/8", or "unix", got "10.0.0.0/33" (server.trusted_proxies[0])',
      'gate.yaml:6:11: expected a host name like "wiki.example.com" or "*.example.com" (no scheme, no port), got "https://wiki.example.com" (apps[0].host)',
      'gate.yaml:7:15: expected an http:// or https:// URL, like "http://10.0.0.5:8080", got "ftp://10.0.0.5" (apps[0].upstream)',
      'gate.yaml:8:14: expected a duration like "5m", "1h30m" or "7d", got "5 minutes" (apps[0].timeout)',
      'gate.yaml:13:20: expected a two-letter country code like "IT" or "US", got "Italy" (directory.default_country)',
      'gate.yaml:16:11: must be at least 6, got 4 (otp.length)',
      'gate.yaml:18:9: expected one of "memory", "redis", got "mysql" (store.type)',
      'gate.yaml:20:10: expected one of "trace", "debug", "info", "warn", "error", "fatal", "silent", got "verbose" (log.level)',
    ]);
  });

  it.each([
    ['http://10.0.0.5:', 'expected a port from 1 to 65535 after the host'],
    ['http://10.0.0.5:0', 'expected a port from 1 to 65535 after the host'],
    ['http://10.0.0.5:99999', 'expected a port from 1 to 65535 after the host'],
    ['http:10.0.0.5:8080', 'expected an http:// or https:// URL, like "http://10.0.0.5:8080"'],
    ['http://10.0.0.5:8080/?x=1', 'expected no "?..." part in this URL'],
    ['http://10.0.0.5:8080/#top', 'expected no "#..." part in this URL'],
  ])('refuses the malformed upstream %s at its line and column', (url, words) => {
    expect(lines(MINIMAL.replace('"http://10.0.0.5:8080"', `"${url}"`))).toEqual([
      `gate.yaml:3:15: ${words}, got "${url}" (apps[0].upstream)`,
    ]);
  });

  it('refuses a public_url with an empty port or a query, at its line and column', () => {
    expect(lines(`${MINIMAL}server:\n  public_url: "https://gate.example.com:"\n`)).toEqual([
      'gate.yaml:10:15: expected a port from 1 to 65535 after the host, got "https://gate.example.com:" (server.public_url)',
    ]);
    expect(lines(`${MINIMAL}server:\n  public_url: "https://gate.example.com/?a=b"\n`)).toEqual([
      'gate.yaml:10:15: expected no "?..." part in this URL, got "https://gate.example.com/?a=b" (server.public_url)',
    ]);
  });

  it('session.verified_cache takes 0 or a duration up to 5s, and defaults to 500ms', () => {
    const withCache = (v: string) => MINIMAL.replace('session:\n', `session:\n  verified_cache: ${v}\n`);
    expect(compile(MINIMAL).session.verifiedCache).toBe(500);
    expect(compile(withCache('0')).session.verifiedCache).toBe(0);
    expect(compile(withCache('0s')).session.verifiedCache).toBe(0);
    expect(compile(withCache('2s')).session.verifiedCache).toBe(2_000);
    expect(lines(withCache('10s'))).toEqual(['gate.yaml:5:19: must be at most 5s (session.verified_cache)']);
    expect(lines(withCache('soon'))).toEqual([
      'gate.yaml:5:19: expected a duration like "5m", "1h30m" or "7d", got "soon" (session.verified_cache)',
    ]);
  });

  it('server timeouts and connection limit compile, and a request timeout shorter than the headers one is refused', () => {
    const server = (body: string) => `${MINIMAL}server:\n${body}`;
    expect(
      compile(
        server('  headers_timeout: 10s\n  request_timeout: 1h\n  keep_alive_timeout: 65s\n  max_connections: 500\n'),
      ).server,
    ).toMatchObject({
      headersTimeout: 10_000,
      requestTimeout: 3_600_000,
      keepAliveTimeout: 65_000,
      maxConnections: 500,
    });
    expect(lines(server('  request_timeout: 10s\n'))).toEqual([
      'gate.yaml:10:20: must be 0 or at least server.headers_timeout (30s): it includes the time for the headers (server.request_timeout)',
    ]);
    expect(lines(server('  headers_timeout: 0\n  max_connections: 0\n'))).toEqual([
      'gate.yaml:10:20: expected a duration like "5m", got 0 (server.headers_timeout)',
      'gate.yaml:11:20: must be at least 1, got 0 (server.max_connections)',
    ]);
  });

  it('the example config loads without problems', () => {
    const text = readFileSync(new URL('../../config.example.yaml', import.meta.url), 'utf8');
    expect(text.startsWith('# yaml-language-server: $schema=./schema/config.schema.json\n')).toBe(true);
    const config = compile(text);
    expect(config.apps).toHaveLength(1);
  });

  it('the example config shows every default the schema applies', () => {
    const text = readFileSync(new URL('../../config.example.yaml', import.meta.url), 'utf8');
    const trimmed = compile(MINIMAL);
    const full = compile(text);
    expect({ ...full, apps: [], directoryFile: '', policySources: [] }).toEqual({
      ...trimmed,
      apps: [],
      directoryFile: '',
      policySources: [],
    });
  });
});
