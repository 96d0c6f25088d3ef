// Reloads config, users and policies as one unit: validate first with the same loader as start-up,
// swap only on success. A failed reload keeps the last good set, logs every problem as
// file:line:col and sets otp_gate_config_reload_success to 0 until a later reload succeeds.
// Restart-only settings (config/restart-only.ts) keep their start-up values; each one the new
// set changes is named in a warning.
import type { LoadedGate } from '../config/types.js';
import type { Logger } from '../shared/log.js';
import { ConfigError, formatProblem } from '../shared/problem.js';
import type { GateMetrics } from './metrics.js';

export type ReloadTrigger = 'sighup' | 'file-change' | 'api';

export interface ReloadDeps {
  load: () => Promise<LoadedGate>;
  /** Puts the set in use; returns the restart-only settings it changes, which keep their start-up values. */
  apply: (loaded: LoadedGate) => readonly string[];
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
      for (const setting of deps.apply(next)) {
        deps.log.warn({ trigger, setting }, `reload: ${setting} changed; that takes effect only after a restart`);
      }
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
