// The compiled, runtime shape of the gate's configuration. Raw YAML types live in
// schema.ts; everything here is already validated, defaulted and normalised
// (durations in milliseconds, hosts lower-cased, paths resolved against the config file).
import type { CompiledPolicy } from '../policy/types.js';
import type { Directory } from '../directory/types.js';

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
}

export type StoreConfig =
  | { type: 'memory'; maxEntries: number }
  | { type: 'redis'; url: string; keyPrefix: string };

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
  /** Consecutive wrong codes (across codes) before the identity is locked out. */
  lockoutAfter: number;
  /** How long a lockout lasts, ms. */
  lockoutDuration: number;
}

export interface ConsoleChannelConfig {
  type: 'console';
}
export type ChannelConfig = ConsoleChannelConfig;

export interface AuditConfig {
  /** "-" for stdout, "off", or a file path. */
  file: string;
}

export interface LogConfig {
  level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
}

export interface IdentityHeadersConfig {
  user: string;
  name: string;
  groups: string;
  /** Extra client-sent header names to strip before forwarding (besides spellings of the three above). */
  strip: string[];
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
  /** Folder holding page templates; the shipped `templates/` unless overridden. */
  templatesDir: string;
  /** Absolute paths of policy files and folders (as configured, resolved). */
  policySources: string[];
  /** Absolute path of the users file. */
  directoryFile: string;
  /** Default region for phone numbers written without "+", e.g. "IT"; undefined = international only. */
  defaultCountry: string | undefined;
}

/** Everything the gate runs on: the config plus what it points at, loaded and compiled. */
export interface LoadedGate {
  config: GateConfig;
  policy: CompiledPolicy;
  directory: Directory;
}
