// The settings the gate reads once, at start-up: the listener, the store, the channels, the
// session signer, the code rules, the page files, the logger. A reload keeps their start-up
// values, so nothing that reads the live config can see a new value the running parts do not
// use; the reloader names each one the file changed. docs/upgrading.md lists the same.
import type { GateConfig } from './types.js';

type Section = keyof GateConfig;

/** A setting as the config file names it, and where it is in GateConfig: a whole section or some of its fields. */
type RestartOnly = {
  [S in Section]: { name: string; section: S; fields?: ReadonlyArray<keyof GateConfig[S]> };
}[Section];

export const RESTART_ONLY: readonly RestartOnly[] = [
  { name: 'server.listen', section: 'server', fields: ['host', 'port', 'socket'] },
  { name: 'server.socket_mode', section: 'server', fields: ['socketMode'] },
  { name: 'server.path_prefix', section: 'server', fields: ['pathPrefix'] },
  // Read only for session.secure's default, which the session keeps anyway: named so the warning says what was edited.
  { name: 'server.insecure_http', section: 'server', fields: ['insecureHttp'] },
  { name: 'server.workers', section: 'server', fields: ['workers'] },
  { name: 'server.watch_files', section: 'server', fields: ['watchFiles'] },
  { name: 'server.headers_timeout', section: 'server', fields: ['headersTimeout'] },
  { name: 'server.request_timeout', section: 'server', fields: ['requestTimeout'] },
  { name: 'server.keep_alive_timeout', section: 'server', fields: ['keepAliveTimeout'] },
  { name: 'server.max_connections', section: 'server', fields: ['maxConnections'] },
  { name: 'store', section: 'store' },
  { name: 'channels', section: 'channels' },
  { name: 'metrics', section: 'metrics' },
  { name: 'session', section: 'session' },
  { name: 'otp', section: 'otp' },
  { name: 'audit.file', section: 'audit', fields: ['file'] },
  { name: 'templates.dir', section: 'templatesDir' },
  { name: 'pages', section: 'pages' },
  { name: 'totp', section: 'totp' },
  { name: 'push', section: 'push' },
  { name: 'log.level', section: 'log', fields: ['level'] },
  { name: 'fallback', section: 'fallback' },
  { name: 'delivery_figures', section: 'deliveryFigures' },
];

export interface KeptSettings {
  /** `next` with every restart-only setting as it was at start-up. */
  config: GateConfig;
  /** The restart-only settings `next` changes (RESTART_ONLY names), in that order. */
  kept: string[];
}

export function keepStartupSettings(started: GateConfig, next: GateConfig): KeptSettings {
  const config: Record<string, unknown> = { ...next };
  const kept: string[] = [];
  for (const { name, section, fields } of RESTART_ONLY) {
    const was = pick(started[section], fields);
    if (JSON.stringify(was) !== JSON.stringify(pick(next[section], fields))) kept.push(name);
    config[section] = fields ? { ...(config[section] as object), ...(was as object) } : was;
  }
  return { config: config as unknown as GateConfig, kept };
}

function pick(value: unknown, fields: readonly PropertyKey[] | undefined): unknown {
  if (!fields) return value;
  return Object.fromEntries(fields.map((f) => [f, (value as Record<PropertyKey, unknown>)[f]]));
}
