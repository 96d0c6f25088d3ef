// Turns the validated raw config into the runtime GateConfig: durations in ms, hosts
// lower-cased, paths resolved against the config file's folder, defaults filled in.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { parseDuration } from '../shared/duration.js';
import { appName } from './app-name.js';
import { compileEmail, compileSms, compileWhatsApp } from './compile-channels.js';
import { compilePumpingBreaker, compileRouting, compileSpend } from './compile-delivery-rules.js';
import type { RawAppConfig, RawConfig } from './schema.js';
import { channelSchemas, splitListen, unixListen } from './schema.js';
import type {
  AppConfig,
  AssertionsConfig,
  ChannelConfig,
  GateConfig,
  HostPort,
  RedisAddress,
  StoreConfig,
} from './types.js';

/** The shipped templates: src/config/ (tsx) and dist/config/ (compiled) are both two levels down. */
export const SHIPPED_TEMPLATES_DIR = fileURLToPath(new URL('../../templates/', import.meta.url));

export interface CompileWhere {
  /** Absolute path of the config file, or "<embedded>". */
  source: string;
  /** Folder that relative paths in the config are resolved against. */
  baseDir: string;
}

export function compileConfig(raw: RawConfig, where: CompileWhere): GateConfig {
  const resolve = (p: string): string => path.resolve(where.baseDir, p);
  const socket = unixListen(raw.server.listen);
  const listen = socket === undefined ? splitListen(raw.server.listen) : { host: '', port: 0 };
  if (!listen)
    throw new Error(`config: listen ${JSON.stringify(raw.server.listen)} passed validation but cannot be split`);
  const insecureHttp = raw.server.insecure_http;
  return {
    source: where.source,
    server: {
      host: listen.host,
      port: listen.port,
      socket,
      socketMode: parseInt(raw.server.socket_mode, 8),
      publicUrl: raw.server.public_url?.replace(/\/+$/, ''),
      pathPrefix: trimSlash(raw.server.path_prefix),
      trustedProxies: raw.server.trusted_proxies,
      insecureHttp,
      maxFormBytes: raw.server.max_form_bytes,
      workers: raw.server.workers,
      shutdownTimeout: ms(raw.server.shutdown_timeout),
      watchFiles: raw.server.watch_files,
      headersTimeout: ms(raw.server.headers_timeout),
      requestTimeout: msOrZero(raw.server.request_timeout),
      keepAliveTimeout: ms(raw.server.keep_alive_timeout),
      maxConnections: raw.server.max_connections,
    },
    apps: raw.apps.map(compileApp),
    session: {
      cookieName: raw.session.cookie_name,
      domain: raw.session.domain?.replace(/^\./, '').toLowerCase(),
      secure: raw.session.secure ?? !insecureHttp,
      secrets: raw.session.secrets,
      lifetime: ms(raw.session.lifetime),
      idleTimeout: ms(raw.session.idle_timeout),
      verifiedCache: msOrZero(raw.session.verified_cache),
    },
    store: compileStore(raw.store, resolve),
    otp: {
      length: raw.otp.length,
      ttl: ms(raw.otp.ttl),
      maxAttempts: raw.otp.max_attempts,
      resendAfter: ms(raw.otp.resend_after),
      maxSendsPerHour: raw.otp.max_sends_per_hour,
      maxSendsPerAddressPerHour: raw.otp.max_sends_per_address_per_hour,
      // A network is a few addresses' worth: an office or a carrier's NAT shares one.
      maxSendsPerNetworkPerHour: raw.otp.max_sends_per_network_per_hour ?? 3 * raw.otp.max_sends_per_address_per_hour,
      networkBits: { ipv4: raw.otp.network_bits_ipv4, ipv6: raw.otp.network_bits_ipv6 },
      lockoutAfter: raw.otp.lockout_after,
      lockoutDuration: ms(raw.otp.lockout_duration),
      maxSendsPerDestinationPerHour: raw.otp.max_sends_per_destination_per_hour,
      maxSendsPerPrefixPerHour: raw.otp.max_sends_per_prefix_per_hour,
      prefixDigits: raw.otp.prefix_digits,
      maxSendsPerHourTotal: raw.otp.max_sends_per_hour_total,
    },
    channels: compileChannels(raw.channels, {
      publicUrl: raw.server.public_url?.replace(/\/+$/, ''),
      pathPrefix: trimSlash(raw.server.path_prefix),
    }),
    // "-" (stdout) and "off" are words, not paths.
    audit: { file: raw.audit.file === '-' || raw.audit.file === 'off' ? raw.audit.file : resolve(raw.audit.file) },
    log: { level: raw.log.level },
    identityHeaders: {
      user: raw.identity_headers.user,
      name: raw.identity_headers.name,
      groups: raw.identity_headers.groups,
      strip: raw.identity_headers.strip,
    },
    metrics: { listen: raw.metrics.listen === 'off' ? undefined : splitListen(raw.metrics.listen) },
    templatesDir: raw.templates.dir ? resolve(raw.templates.dir) : SHIPPED_TEMPLATES_DIR,
    pages: {
      defaultLocale: raw.pages.default_locale,
      brand: {
        name: raw.pages.brand.name,
        logoUrl: raw.pages.brand.logo_url,
        accentColor: raw.pages.brand.accent_color,
      },
      loginPagesPerMinute: {
        address: raw.pages.max_login_pages_per_address_per_minute,
        network: raw.pages.max_login_pages_per_network_per_minute,
      },
    },
    totp: raw.totp && { issuer: raw.totp.issuer, keys: raw.totp.keys, reauthWithin: ms(raw.totp.reauth_within) },
    webauthn: raw.webauthn && {
      rpId: raw.webauthn.rp_id.toLowerCase(),
      rpName: raw.webauthn.rp_name ?? raw.pages.brand.name,
      attestation: raw.webauthn.attestation,
      timeout: ms(raw.webauthn.timeout),
    },
    push: raw.push && {
      vapid: {
        publicKey: raw.push.vapid_public_key,
        privateKey: raw.push.vapid_private_key,
        subject: raw.push.subject,
      },
      services: raw.push.services.map((s) => s.toLowerCase()),
      maxDevices: raw.push.max_devices,
    },
    account: { reauthWithin: ms(raw.account.reauth_within) },
    approvals: raw.approvals && { ttl: ms(raw.approvals.ttl), promptsPerMinute: raw.approvals.prompts_per_minute },
    deliveryFigures: { minSamples: raw.delivery_figures.min_samples, halfLife: ms(raw.delivery_figures.half_life) },
    assertions: raw.assertions && compileAssertions(raw.assertions, raw.server.public_url),
    policySources: raw.policies.map(resolve),
    directoryFile: resolve(raw.directory.file),
    defaultCountry: raw.directory.default_country?.toUpperCase(),
    fallback: { pollInterval: ms(raw.fallback.poll_interval), lease: ms(raw.fallback.lease) },
    routing: raw.routing && compileRouting(raw.routing),
    spend: raw.spend && compileSpend(raw.spend),
    pumpingBreaker: raw.pumping_breaker && compilePumpingBreaker(raw.pumping_breaker, ms),
  };
}

function compileApp(app: RawAppConfig): AppConfig {
  return {
    host: app.host.toLowerCase(),
    pathPrefix: app.path_prefix === '/' ? '/' : trimSlash(app.path_prefix),
    upstream: app.upstream,
    timeout: ms(app.timeout),
    name: appName(app),
    passAuthorization: app.pass_authorization,
    assertion: app.assertion && {
      mode: app.assertion.mode,
      header: app.assertion.header,
      // Two apps on one host differ by path prefix, so the prefix is part of the default audience.
      audience: app.assertion.audience ?? appName(app),
    },
  };
}

function compileAssertions(raw: NonNullable<RawConfig['assertions']>, publicUrl: string | undefined): AssertionsConfig {
  const issuer = (raw.issuer ?? publicUrl)?.replace(/\/+$/, '');
  if (issuer === undefined) throw new Error('config: assertions passed validation without an issuer or public_url');
  return {
    issuer,
    lifetime: ms(raw.lifetime),
    keys: raw.keys.map((k) => ({ kid: k.kid, algorithm: k.algorithm, privateKey: k.private_key, status: k.status })),
  };
}

function compileStore(store: RawConfig['store'], resolve: (p: string) => string): StoreConfig {
  if (store.type === 'memory') return { type: 'memory', maxEntries: store.max_entries };
  const tls: RawRedisTls | undefined =
    store.tls === false ? undefined : store.tls === true ? { reject_unauthorized: true } : store.tls;
  return {
    type: 'redis',
    address: compileRedisAddress(store),
    keyPrefix: store.key_prefix,
    username: store.username,
    password: store.password,
    tls: tls && {
      caFile: tls.ca_file === undefined ? undefined : resolve(tls.ca_file),
      certFile: tls.cert_file === undefined ? undefined : resolve(tls.cert_file),
      keyFile: tls.key_file === undefined ? undefined : resolve(tls.key_file),
      serverName: tls.server_name,
      rejectUnauthorized: tls.reject_unauthorized,
    },
    commandTimeout: ms(store.command_timeout),
  };
}

type RawRedisStore = Extract<RawConfig['store'], { type: 'redis' }>;
type RawRedisTls = Exclude<RawRedisStore['tls'], boolean>;

function compileRedisAddress(store: RawRedisStore): RedisAddress {
  const node = (text: string): HostPort => {
    const hp = splitListen(text);
    if (!hp) throw new Error(`config: Redis node ${JSON.stringify(text)} passed validation but cannot be split`);
    return hp;
  };
  if (store.sentinel) {
    const s = store.sentinel;
    return {
      kind: 'sentinel',
      masterName: s.master_name,
      sentinels: s.sentinels.map(node),
      sentinelPassword: s.password,
      db: s.db,
    };
  }
  if (store.cluster) return { kind: 'cluster', nodes: store.cluster.nodes.map(node) };
  if (store.url) return { kind: 'url', url: store.url };
  throw new Error('config: a redis store passed validation without url, sentinel or cluster');
}

/** What channel compilers may need from outside their own section. */
export interface ChannelCompileContext {
  publicUrl: string | undefined;
  pathPrefix: string;
}

/** A channel's key names its type; the table keeps that mapping in one place as types are added. */
const channelCompilers: {
  [K in keyof typeof channelSchemas]: (
    raw: NonNullable<RawConfig['channels'][K]>,
    ctx: ChannelCompileContext,
  ) => ChannelConfig;
} = {
  console: () => ({ type: 'console' }),
  whatsapp: (raw) => compileWhatsApp(raw, ms),
  sms: (raw, ctx) => compileSms(raw, ctx, ms),
  email: (raw) => compileEmail(raw, ms),
};

function compileChannels(raw: RawConfig['channels'], ctx: ChannelCompileContext): Record<string, ChannelConfig> {
  const out: Record<string, ChannelConfig> = {};
  for (const type of Object.keys(channelCompilers) as Array<keyof typeof channelCompilers>) {
    const section = raw[type];
    if (section !== undefined)
      out[type] = (channelCompilers[type] as (r: typeof section, c: ChannelCompileContext) => ChannelConfig)(
        section,
        ctx,
      );
  }
  return out;
}

/** Durations were checked by the schema, so a failure here is a bug, not a config problem. */
/** A duration option that takes 0 for "off". */
function msOrZero(value: string | 0): number {
  return value === 0 ? 0 : ms(value);
}

function ms(text: string): number {
  const value = parseDuration(text);
  if (value === undefined)
    throw new Error(`config: duration ${JSON.stringify(text)} passed validation but does not parse`);
  return value;
}

function trimSlash(p: string): string {
  return p.length > 1 ? p.replace(/\/+$/, '') : p;
}
