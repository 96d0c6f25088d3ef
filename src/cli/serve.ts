// `otp-gate serve --config F`: validate everything, start, and keep running until told to stop.
// Policies, users and config reload on SIGHUP and when their files change (server.watch_files);
// a reload that fails keeps the last good set. SIGTERM/SIGINT drain, then exit.
import { configSecrets } from '../config/config-secrets.js';
import { loadGate } from '../config/load-gate.js';
import type { RunningGate } from '../main/server.js';
import { startGate } from '../main/server.js';
import type { FileWatcher } from '../ops/file-watcher.js';
import { watchGateFiles } from '../ops/file-watcher.js';
import type { Reloader } from '../ops/reloader.js';
import { createReloader } from '../ops/reloader.js';
import { createLogger } from '../shared/log.js';
import { EXIT, exitingIfStartFails, printProblems, reportingConfigErrors } from './output.js';
import { announceServing, isClusterPrimary, runPrimary, stopWithPrimary, workerCount } from './workers.js';

export function runServe(configPath: string): Promise<number> {
  return reportingConfigErrors(async () => {
    const { gate: loaded, warnings } = await loadGate(configPath, process.env);
    printProblems(warnings);
    const { workers } = loaded.config.server;
    if (isClusterPrimary(workers))
      return runPrimary(
        workerCount(workers),
        createLogger(loaded.config.log, { secrets: configSecrets(loaded.config) }),
      );
    stopWithPrimary();
    const gate = await exitingIfStartFails(startGate(loaded));
    announceServing();
    let watcher: FileWatcher | undefined;
    const reloader = createReloader({
      load: async () => (await loadGate(configPath, process.env, { startedWith: loaded.config })).gate,
      apply: (next) => {
        const kept = gate.reload(next);
        watcher?.update(next.config);
        return kept;
      },
      log: gate.log,
      metrics: gate.metrics,
    });
    if (loaded.config.server.watchFiles) {
      watcher = watchGateFiles(loaded.config, () => void reloader.reload('file-change'), {
        onError: (err) => gate.log.warn({ err }, 'watching files for changes failed; SIGHUP still reloads'),
      });
    }
    // Signal handlers first, then say we're up: a SIGTERM right after the banner is handled.
    const stopped = untilStopped(gate, reloader);
    process.stdout.write(`otp-gate serving ${loaded.config.apps.map((a) => a.host).join(', ')} on ${gate.url}\n`);
    if (gate.metricsUrl) process.stdout.write(`otp-gate metrics at ${gate.metricsUrl}\n`);
    await stopped;
    watcher?.close();
    return EXIT.ok;
  });
}

/** Resolves after SIGTERM/SIGINT once the gate has drained and closed; SIGHUP reloads. */
export function untilStopped(gate: RunningGate, reloader?: Reloader): Promise<void> {
  return new Promise((resolve) => {
    const onHup = () => void reloader?.reload('sighup');
    const stop = (signal: NodeJS.Signals) => {
      // Stop accepting first (synchronously, inside shutdown), then say so.
      const drained = gate.shutdown();
      gate.log.info(
        { signal, timeoutMs: gate.config().server.shutdownTimeout },
        'stopping: no new connections; draining in-flight requests',
      );
      process.removeListener('SIGHUP', onHup);
      // A second signal means "now": skip the rest of the drain.
      const now = () => void gate.close().then(resolve);
      process.once('SIGTERM', now);
      process.once('SIGINT', now);
      void drained.then(resolve);
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    if (reloader) process.on('SIGHUP', onHup);
  });
}
