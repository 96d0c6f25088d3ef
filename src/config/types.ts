// The compiled, runtime shape of the gate's configuration. Raw YAML types live in
// schema.ts; everything here is already validated, defaulted and normalised
// (durations in milliseconds, hosts lower-cased, paths resolved against the config file).
import type { Directory } from '../directory/types.js';
import type { CompiledPolicy } from '../policy/types.js';
import type { JwtAlgorithm } from '../shared/jwt.js';
import type { LogConfig } from '../shared/log.js';

export interface ServerConfig {
  /** Host part of `listen` ("0.0.0.0", "127.0.0.1", "::"). */
  host: string;
  port: number;
  /** How browsers and providers reach the gate, e.g. "https://gate.example.com"; undefined when not set. */
  publicUrl: string | undefined;
  /** Reserved path prefix for the gate's own routes, normalised to start with "/" and not end with "/": "/_gate". */
  pathPrefix: string;
  /** CIDRs whose X-Forwarded-* headers are believed. */
  trustedProxies: string[];
  /** Plain HTTP in development: turns off the Secure cookie flag and assumes http:// when no proxy says otherwise. */
  insecureHttp: boolean;
  /** Largest request body accepted on the gate's own form routes, in bytes. */
  maxFormBytes: number;
  /** The path of a Unix socket to listen on instead of host:port ("unix:" in server.listen). */
  socket: string | undefined;
  /** The socket file's permission bits. */
  socketMode: number;
  /** Processes serving on the one port (node:cluster); 1 = no cluster. "auto" is resolved at start. */
  workers: number | 'auto';
  /** On SIGTERM/SIGINT, how long in-flight requests and WebSockets may take, ms. */
  shutdownTimeout: number;
  /** Reload config, users and policies when their files change. */
  watchFiles: boolean;
  /** Time a client has to send its request headers, ms. */
  headersTimeout: number;
  /** Time a client has to send its whole request (body included), ms; 0 for no limit. */
  requestTimeout: number;
  /** Idle keep-alive connections are closed after this, ms. */
  keepAliveTimeout: number;
  /** Most client connections open at once. */
  maxConnections: number;
}

export interface MetricsConfig {
  /** Where the Prometheus listener binds; undefined when metrics are off. */
  listen: { host: string; port: number } | undefined;
}

export interface AppConfig {
  /** Exact host ("wiki.example.com") or one-label wildcard ("*.example.com"), lower-case, no port. */
  host: string;
  /** Optional path prefix ("/wiki"); "/" when absent. */
  pathPrefix: string;
  /** Upstream base URL, e.g. "http://10.0.0.5:8080". */
  upstream: string;
  /** Time to wait for the upstream's response headers, ms (504 after). */
  timeout: number;
  /** What tokens and `otp-gate tokens create --apps` call it: `name`, else the host (and path prefix). */
  name: string;
  /** Forward the client's Authorization header even when the gate read a token from it. */
  passAuthorization: boolean;
  /** The signed JWT this app is sent; undefined for the identity headers alone. */
  assertion?: AppAssertionConfig | undefined;
}

/** An app's `assertion:`: how it gets the signed JWT of who is calling. */
export interface AppAssertionConfig {
  /** "beside" the identity headers, or "instead" of them. */
  mode: 'beside' | 'instead';
  /** Header carrying it, as written; "Authorization" carries "Bearer <jwt>". */
  header: string;
  /** The "aud" claim: as configured, else the app's host and path prefix. */
  audience: string;
}

/** One key of `assertions.keys`. */
export interface AssertionKeyConfig {
  kid: string;
  algorithm: JwtAlgorithm;
  /** PEM text. */
  privateKey: string;
  /** active signs and is published; next is published only; retired is neither. */
  status: 'active' | 'next' | 'retired';
}

/** The `assertions:` section: who signs the JWTs sent upstream, and for how long they hold. */
export interface AssertionsConfig {
  /** The "iss" claim: assertions.issuer, else server.public_url. */
  issuer: string;
  /** How long one JWT is valid, ms. */
  lifetime: number;
  keys: AssertionKeyConfig[];
}

export interface SessionConfig {
  cookieName: string;
  /** Cookie Domain attribute; undefined means host-only. */
  domain: string | undefined;
  /** Secure flag on cookies; false only when server.insecureHttp is set. */
  secure: boolean;
  /** Signing keys: the first signs, all verify. Each at least 32 characters. */
  secrets: string[];
  /** Absolute lifetime, ms. */
  lifetime: number;
  /** Idle timeout, ms. */
  idleTimeout: number;
  /** How long a verified cookie is trusted without the store, ms; 0 for never (each request asks). */
  verifiedCache: number;
}

export type StoreConfig = { type: 'memory'; maxEntries: number } | RedisStoreConfig;

export interface HostPort {
  host: string;
  port: number;
}

/** How to reach Redis: one server by URL, a primary found through Sentinels, or a cluster. */
export type RedisAddress =
  | { kind: 'url'; url: string }
  | { kind: 'sentinel'; masterName: string; sentinels: HostPort[]; sentinelPassword: string | undefined; db: number }
  | { kind: 'cluster'; nodes: HostPort[] };

export interface RedisTlsConfig {
  /** Absolute paths of PEM files; undefined to use the system's CAs / no client certificate. */
  caFile: string | undefined;
  certFile: string | undefined;
  keyFile: string | undefined;
  serverName: string | undefined;
  rejectUnauthorized: boolean;
}

export interface RedisStoreConfig {
  type: 'redis';
  address: RedisAddress;
  keyPrefix: string;
  username: string | undefined;
  /** Overrides a password in the URL; applies to every node. */
  password: string | undefined;
  /** undefined = plain TCP (unless the URL is rediss://). */
  tls: RedisTlsConfig | undefined;
  /** A command taking longer fails (and the request is refused), ms. */
  commandTimeout: number;
}

export interface OtpConfig {
  /** Digits, 6..10. */
  length: number;
  /** Code lifetime, ms (at most 10 minutes). */
  ttl: number;
  /** Wrong tries that kill one code. */
  maxAttempts: number;
  /** Cooldown before another code may be sent to the same identity, ms. */
  resendAfter: number;
  /** Codes per identity per hour. */
  maxSendsPerHour: number;
  /** Codes per client address per hour. */
  maxSendsPerAddressPerHour: number;
  /** Codes per client network per hour, checked with the address budget before any shared cap. */
  maxSendsPerNetworkPerHour: number;
  /** Leading bits that name an address's network (IPv4 /24, IPv6 /64 by default). */
  networkBits: { ipv4: number; ipv6: number };
  /** Consecutive wrong codes (across codes) before the identity is locked out. */
  lockoutAfter: number;
  /** How long a lockout lasts, ms. */
  lockoutDuration: number;
  /** Codes per destination phone number per hour. */
  maxSendsPerDestinationPerHour: number;
  /** Codes per destination number prefix per hour. */
  maxSendsPerPrefixPerHour: number;
  /** Leading digits of an E.164 number (country code included) that make its prefix. */
  prefixDigits: number;
  /** Codes the whole gate sends per hour. */
  maxSendsPerHourTotal: number;
}

export interface ConsoleChannelConfig {
  type: 'console';
}

export interface WhatsAppChannelConfig {
  type: 'whatsapp';
  /** "https://graph.facebook.com", no trailing slash. */
  apiBaseUrl: string;
  apiVersion: string;
  phoneNumberId: string;
  /** The sending number in E.164, for wa.me links people write to (the whatsapp_reply channel); undefined = none. */
  businessNumber?: string | undefined;
  accessToken: string;
  appSecret: string;
  verifyToken: string;
  template: { name: string; language: string; languages: Record<string, string> };
  /** Time-to-live set on the template, ms, when the operator told us (checked ≤ otp.ttl). */
  messageTtl: number | undefined;
  /** HTTP timeout of one API call, ms. */
  timeout: number;
  /** Without a `delivered` report by then the next channel is tried, ms (with `auto`: until figures are learned). */
  deliveryTimeout: number;
  /** `delivery_timeout: auto`: the deadline follows the learned p90, within these bounds. */
  deliveryTimeoutAuto?: AutoDeadline | undefined;
}

/** A learned delivery deadline: p90 plus `marginMs`, never under `minMs` nor over `maxMs`. */
export interface AutoDeadline {
  minMs: number;
  maxMs: number;
  marginMs: number;
}

export interface TwilioSmsConfig {
  type: 'sms';
  provider: 'twilio';
  apiBaseUrl: string;
  accountSid: string;
  authToken: string;
  from: string | undefined;
  messagingServiceSid: string | undefined;
  /** Absolute URL Twilio posts status reports to; undefined when there is no public_url or they are off. */
  statusCallbackUrl: string | undefined;
  timeout: number;
  deliveryTimeout: number;
  deliveryTimeoutAuto?: AutoDeadline | undefined;
  /** ISO country codes SMS may go to; undefined = the countries of the users file's numbers. */
  allowedCountries: string[] | undefined;
}

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface HttpSmsConfig {
  type: 'sms';
  provider: 'http';
  method: 'POST' | 'PUT' | 'GET';
  /** May hold {{to}}, {{to_digits}}, {{code}}, {{text}} placeholders. */
  url: string;
  headers: Record<string, string>;
  bodyType: 'json' | 'form';
  body: Record<string, JsonValue> | undefined;
  success: { status: number[]; field: string | undefined; equals: string | number | boolean | undefined };
  messageIdField: string | undefined;
  timeout: number;
  allowedCountries: string[] | undefined;
}

export type SmsChannelConfig = TwilioSmsConfig | HttpSmsConfig;

export interface EmailChannelConfig {
  type: 'email';
  host: string;
  port: number;
  /** implicit: TLS from the start; starttls: STARTTLS required; opportunistic: STARTTLS when offered. */
  tls: 'implicit' | 'starttls' | 'opportunistic';
  /** PEM certificates trusted besides the system's. */
  ca: string | undefined;
  auth: { user: string; password: string } | undefined;
  from: { address: string; name: string | undefined };
  dkim: { domain: string; selector: string; privateKey: string } | undefined;
  /** Connection, greeting and per-answer timeout, ms. */
  timeout: number;
}

export type ChannelConfig = ConsoleChannelConfig | WhatsAppChannelConfig | SmsChannelConfig | EmailChannelConfig;

export interface AuditConfig {
  /** "-" for stdout, "off", or a file path. */
  file: string;
}

export interface IdentityHeadersConfig {
  user: string;
  name: string;
  groups: string;
  /** Extra client-sent header names to strip before forwarding (besides spellings of the three above). */
  strip: string[];
}

/** The challenge pages' language default and brand (`pages:`). */
export interface PagesConfig {
  defaultLocale: string;
  brand: { name: string; logoUrl: string | undefined; accentColor: string | undefined };
  /** Sign-in page views per minute a client address, and a client network, may have (per process). */
  loginPagesPerMinute: { address: number; network: number };
}

/** Authenticator apps (`totp:`). */
export interface TotpConfig {
  /** Shown in the app above the code. */
  issuer: string;
  /** Secret-box keys: the first encrypts, all decrypt. Each at least 32 characters. */
  keys: string[];
  /** Re-enrolment and removal need a sign-in (proof) at most this old, ms. */
  reauthWithin: number;
}

/** What the gate learns from deliveries (`delivery_figures:`), docs/delivery-figures.md. */
export interface DeliveryFiguresConfig {
  /** Fewest age-weighted samples a scope (prefix, country, channel) needs before its figures are used. */
  minSamples: number;
  /** Age at which a day's deliveries count half, ms. */
  halfLife: number;
}

/** Passkeys and security keys (`webauthn:`). */
export interface WebauthnConfig {
  /** The relying party ID: a domain every app host is, or is below. */
  rpId: string;
  /** Shown by the browser when a passkey is added. */
  rpName: string;
  attestation: 'none' | 'direct';
  /** How long the browser waits for the person, ms. */
  timeout: number;
}

/** Web Push (`push:`): the VAPID key pair and contact, and how many browsers a person may register. */
export interface PushConfig {
  vapid: { publicKey: string; privateKey: string; subject: string };
  /** Origins of the push services subscriptions may point at; "*." matches any subdomain. */
  services: string[];
  maxDevices: number;
}

/** Signing in by approval from a phone instead of a typed code (scan, whatsapp_reply, push). */
export interface ApprovalsConfig {
  /** How long an approval attempt lives, ms. */
  ttl: number;
  /** The most attempts started for one person per minute. */
  promptsPerMinute: number;
}

export interface GateConfig {
  /** Absolute path of the config file, or "<embedded>" for the demo defaults. */
  source: string;
  server: ServerConfig;
  apps: AppConfig[];
  session: SessionConfig;
  store: StoreConfig;
  otp: OtpConfig;
  /** Channels by name, as configured under `channels:`. */
  channels: Record<string, ChannelConfig>;
  audit: AuditConfig;
  log: LogConfig;
  identityHeaders: IdentityHeadersConfig;
  metrics: MetricsConfig;
  /** Folder holding page templates; the shipped `templates/` unless overridden. */
  templatesDir: string;
  pages: PagesConfig;
  /** Authenticator apps; undefined when the section is absent (no "totp" channel). */
  totp: TotpConfig | undefined;
  /** Passkeys and security keys; undefined when the section is absent (no "webauthn" factor or channel). */
  webauthn: WebauthnConfig | undefined;
  /** Web Push; undefined when the section is absent (no "push" channel). */
  push: PushConfig | undefined;
  /** The self-service account page: changes there need a sign-in at most `reauthWithin` ms old. */
  account: { reauthWithin: number };
  /** Approval from a phone; undefined when the section is absent (no "scan" or "whatsapp_reply" channel). */
  approvals: ApprovalsConfig | undefined;
  deliveryFigures: DeliveryFiguresConfig;
  /** Signing keys for apps' assertions; undefined when the section is absent. */
  assertions: AssertionsConfig | undefined;
  /** Absolute paths of policy files and folders (as configured, resolved). */
  policySources: string[];
  /** Absolute path of the users file. */
  directoryFile: string;
  /** Default region for phone numbers written without "+", e.g. "IT"; undefined = international only. */
  defaultCountry: string | undefined;
  fallback: FallbackConfig;
  /** Channel order per destination; undefined when `routing:` is absent (each rule's own order). */
  routing: RoutingConfig | undefined;
  /** Prices and budgets; undefined when `spend:` is absent (nothing is counted). */
  spend: SpendConfig | undefined;
  /** The SMS pumping breaker; undefined when `pumping_breaker:` is absent (off). */
  pumpingBreaker: PumpingBreakerConfig | undefined;
}

/** `routing:`: channel order per destination country or number prefix. */
export interface RoutingConfig {
  /** Channel lists by "default", country ("CN") or number prefix ("+3933"). */
  routes: Readonly<Record<string, readonly string[]>>;
  /** Reorder by measured figures; undefined keeps the configured order. */
  auto: { minSamples: number; verifiedStep: number } | undefined;
}

/** `spend:`; amounts in millionths of the currency, so the store counts whole numbers. */
export interface SpendConfig {
  currency: string;
  /** Price per message by channel, then by country or "default"; channels absent are free. */
  prices: Readonly<Record<string, Readonly<Record<string, number>>>>;
  dailyBudget: number | undefined;
  monthlyBudget: number | undefined;
  whenSpent: 'next_channel' | 'totp_only' | 'refuse';
}

/** `pumping_breaker:`. */
export interface PumpingBreakerConfig {
  windowMs: number;
  minSent: number;
  minVerifiedShare: number;
  pauseForMs: number;
}

/** Fallback deadlines kept in the store (channels/deadline-schedule.ts). */
export interface FallbackConfig {
  /** How often each instance polls for deadlines nobody acted on, ms. */
  pollInterval: number;
  /** How long a claim holds before another instance may take the deadline over, ms. */
  lease: number;
}

/** Everything the gate runs on: the config plus what it points at, loaded and compiled. */
export interface LoadedGate {
  config: GateConfig;
  policy: CompiledPolicy;
  directory: Directory;
}
