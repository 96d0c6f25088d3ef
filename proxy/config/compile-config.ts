// Turns the validated raw config into the runtime GateConfig: durations in ms, hosts
// lower-cased, paths resolved against the config file's folder, defaults filled in.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AppConfig, ChannelConfig, GateConfig, StoreConfig } from './types.js';
import type { RawAppConfig, RawConfig } from './schema.js';
import { channelSchemas, splitListen } from './schema.js';
import { parseDuration } from './duration.js';

/** The shipped templates: proxy/config/ (tsx) and dist/config/ (compiled) are both two levels down. */
export const SHIPPED_TEMPLATES_DIR = fileURLToPath(new URL('../../templates/', import.meta.url));

export interface CompileWhere {
  /** Absolute path of the config file, or "<embedded>". */
  source: string;
  /** Folder that relative paths in the config are resolved against. */
  baseDir: string;
}

export function compileConfig(raw: RawConfig, where: CompileWhere): GateConfig {
  const resolve = (p: string): string => path.resolve(where.baseDir, p);
  const listen = splitListen(raw.server.listen);
  if (!listen) throw new Error(`config: listen ${JSON.stringify(raw.server.listen)} passed validation but cannot be split`);
  const insecureHttp = raw.server.insecure_http;
  return {
    source: where.source,
    server: {
      host: listen.host,
      port: listen.port,
      publicUrl: raw.server.public_url?.replace(/\/+$/, ''),
      pathPrefix: trimSlash(raw.server.path_prefix),
      trustedProxies: raw.server.trusted_proxies,
      insecureHttp,
      maxFormBytes: raw.server.max_form_bytes,
    },
    apps: raw.apps.map(compileApp),
    session: {
      cookieName: raw.session.cookie_name,
      domain: raw.session.domain?.replace(/^\./, '').toLowerCase(),
      secure: raw.session.secure ?? !insecureHttp,
      secrets: raw.session.secrets,
      lifetime: ms(raw.session.lifetime),
      idleTimeout: ms(raw.session.idle_timeout),
    },
    store: compileStore(raw.store),
    otp: {
      length: raw.otp.length,
      ttl: ms(raw.otp.ttl),
      maxAttempts: raw.otp.max_attempts,
      resendAfter: ms(raw.otp.resend_after),
      maxSendsPerHour: raw.otp.max_sends_per_hour,
      maxSendsPerAddressPerHour: raw.otp.max_sends_per_address_per_hour,
      lockoutAfter: raw.otp.lockout_after,
      lockoutDuration: ms(raw.otp.lockout_duration),
    },
    channels: compileChannels(raw.channels),
    // "-" (stdout) and "off" are words, not paths.
    audit: { file: raw.audit.file === '-' || raw.audit.file === 'off' ? raw.audit.file : resolve(raw.audit.file) },
    log: { level: raw.log.level },
    identityHeaders: {
      user: raw.identity_headers.user,
      name: raw.identity_headers.name,
      groups: raw.identity_headers.groups,
      strip: raw.identity_headers.strip,
    },
    templatesDir: raw.templates.dir ? resolve(raw.templates.dir) : SHIPPED_TEMPLATES_DIR,
    policySources: raw.policies.map(resolve),
    directoryFile: resolve(raw.directory.file),
    defaultCountry: raw.directory.default_country?.toUpperCase(),
  };
}

function compileApp(app: RawAppConfig): AppConfig {
  return {
    host: app.host.toLowerCase(),
    pathPrefix: app.path_prefix === '/' ? '/' : trimSlash(app.path_prefix),
    upstream: app.upstream,
    timeout: ms(app.timeout),
  };
}

function compileStore(store: RawConfig['store']): StoreConfig {
  return store.type === 'memory'
    ? { type: 'memory', maxEntries: store.max_entries }
    : { type: 'redis', url: store.url, keyPrefix: store.key_prefix };
}

/** A channel's key names its type; the table keeps that mapping in one place as types are added. */
const channelCompilers: { [K in keyof typeof channelSchemas]: (raw: NonNullable<RawConfig['channels'][K]>) => ChannelConfig } = {
  console: () => ({ type: 'console' }),
};

function compileChannels(raw: RawConfig['channels']): Record<string, ChannelConfig> {
  const out: Record<string, ChannelConfig> = {};
  if (raw.console) out.console = channelCompilers.console(raw.console);
  return out;
}

/** Durations were checked by the schema, so a failure here is a bug, not a config problem. */
function ms(text: string): number {
  const value = parseDuration(text);
  if (value === undefined) throw new Error(`config: duration ${JSON.stringify(text)} passed validation but does not parse`);
  return value;
}

function trimSlash(p: string): string {
  return p.length > 1 ? p.replace(/\/+$/, '') : p;
}
