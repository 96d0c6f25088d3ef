// Reloads config, users and policies as one unit: validate first with the same loader as start-up,
// swap only on success. A failed reload keeps the last good set, logs every problem as
// file:line:col and sets otp_gate_config_reload_success to 0 until a later reload succeeds.
import type { GateConfig, LoadedGate } from '../config/types.js';
import type { Logger } from '../shared/log.js';
import { ConfigError, formatProblem } from '../shared/problem.js';
import type { GateMetrics } from './metrics.js';

export type ReloadTrigger = 'sighup' | 'file-change' | 'api';

export interface ReloadDeps {
  load: () => Promise<LoadedGate>;
  apply: (loaded: LoadedGate) => void;
  current: () => GateConfig;
  log: Logger;
  metrics: GateMetrics;
  now?: () => number;
}

export interface Reloader {
  /** Resolves true when the new set is in use. Calls during a reload run once more after it. */
  reload(trigger: ReloadTrigger): Promise<boolean>;
}

export function createReloader(deps: ReloadDeps): Reloader {
  const now = deps.now ?? Date.now;
  let running: Promise<boolean> | undefined;
  let again: { trigger: ReloadTrigger; done: Promise<boolean> } | undefined;

  async function once(trigger: ReloadTrigger): Promise<boolean> {
    try {
      const next = await deps.load();
      for (const note of needsRestart(deps.current(), next.config))
        deps.log.warn({ trigger }, `reload: ${note} changed; that takes effect only after a restart`);
      deps.apply(next);
      deps.metrics.reload(true, trigger, now());
      deps.log.info({ trigger, rules: next.policy.rules.length }, 'configuration reloaded');
      return true;
    } catch (err) {
      const problems =
        err instanceof ConfigError
          ? err.problems.map(formatProblem)
          : [err instanceof Error ? err.message : String(err)];
      deps.metrics.reload(false, trigger, now());
      deps.log.error(
        { trigger, problems },
        `reload failed; still serving the last good configuration: ${problems.join('; ')}`,
      );
      return false;
    }
  }

  return {
    reload(trigger) {
      if (!running) {
        running = once(trigger).finally(() => (running = undefined));
        return running;
      }
      // One more run after the current one covers every change made meanwhile.
      again ??= {
        trigger,
        done: running.then(() => {
          again = undefined;
          return this.reload(trigger);
        }),
      };
      return again.done;
    },
  };
}

/** Options read once at start-up: reloading them changes nothing until the process restarts. */
export function needsRestart(before: GateConfig, after: GateConfig): string[] {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const notes: string[] = [];
  if (before.server.host !== after.server.host || before.server.port !== after.server.port) notes.push('server.listen');
  if (before.server.pathPrefix !== after.server.pathPrefix) notes.push('server.path_prefix');
  if (!same(before.server.workers, after.server.workers)) notes.push('server.workers');
  for (const [option, key] of [
    ['headers_timeout', 'headersTimeout'],
    ['request_timeout', 'requestTimeout'],
    ['keep_alive_timeout', 'keepAliveTimeout'],
    ['max_connections', 'maxConnections'],
  ] as const) {
    if (before.server[key] !== after.server[key]) notes.push(`server.${option}`);
  }
  if (!same(before.store, after.store)) notes.push('store');
  if (!same(before.channels, after.channels)) notes.push('channels');
  if (!same(before.metrics, after.metrics)) notes.push('metrics');
  if (!same(before.session, after.session)) notes.push('session');
  if (!same(before.otp, after.otp)) notes.push('otp');
  if (before.audit.file !== after.audit.file) notes.push('audit.file');
  if (before.templatesDir !== after.templatesDir) notes.push('templates.dir');
  if (!same(before.pages, after.pages)) notes.push('pages');
  if (!same(before.totp, after.totp)) notes.push('totp');
  if (before.log.level !== after.log.level) notes.push('log.level');
  return notes;
}
