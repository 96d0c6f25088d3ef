// `server.workers`: one gate process per core on one port (node:cluster). The primary only
// forks, relays signals and replaces crashed workers; each worker is a whole gate on the shared
// redis store (the config check refuses workers > 1 with the memory store).
import type { Worker } from 'node:cluster';
import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';

import type { Logger } from '../shared/log.js';
import { EXIT } from './output.js';

/** How many processes a `workers` setting means on this machine. */
export function workerCount(setting: number | 'auto'): number {
  return setting === 'auto' ? Math.max(1, availableParallelism()) : setting;
}

/** True in the process that should fork workers rather than serve. */
export function isClusterPrimary(setting: number | 'auto'): boolean {
  return workerCount(setting) > 1 && cluster.isPrimary;
}

/**
 * In a worker: stop (draining, as on SIGTERM) when the primary dies without stopping it, rather
 * than serve on unsupervised. A primary that is stopping disconnects too, but is still our parent.
 */
export function stopWithPrimary(): void {
  if (!cluster.isWorker) return;
  const primary = process.ppid;
  process.once('disconnect', () => {
    setTimeout(() => {
      if (process.ppid !== primary) process.kill(process.pid, 'SIGTERM');
    }, 100).unref();
  });
}

/** What a worker tells the primary once its gate is listening. */
const SERVING = 'otp-gate:serving';

/** In a worker: tell the primary this gate started (the primary counts its first workers in). */
export function announceServing(): void {
  if (cluster.isWorker) process.send?.(SERVING);
}

/** A worker that dies within this long of starting is not restarted at once (a crash loop). */
const RESTART_BACKOFF_MS = 1_000;

/**
 * Forks the workers and supervises them until SIGTERM/SIGINT; SIGHUP is passed on (each reloads).
 * A worker that ends before every first worker is listening is a failed start (a busy port, say):
 * the others are stopped and the primary exits 1, instead of restarting them for ever.
 */
export function runPrimary(count: number, log: Logger): Promise<number> {
  let stopping = false;
  let serving = 0;
  const fork = () => {
    const worker = cluster.fork();
    worker.once('online', () => log.info({ worker: worker.process.pid }, 'worker started'));
    worker.on('message', (message: unknown) => {
      if (message === SERVING) serving += 1;
    });
  };
  log.info({ workers: count }, 'otp-gate starting workers');
  for (let i = 0; i < count; i++) fork();

  const relay = (signal: NodeJS.Signals) => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
  };
  process.on('SIGHUP', () => relay('SIGHUP'));

  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals, code: number) => {
      stopping = true;
      log.info({ signal }, 'stopping workers');
      relay(signal);
      // Each worker drains on the signal; disconnecting lets it exit once its servers have
      // closed (the IPC channel to the primary would otherwise keep it alive).
      for (const worker of Object.values(cluster.workers ?? {})) worker?.disconnect();
      const check = () => {
        if (Object.keys(cluster.workers ?? {}).length === 0) resolve(code);
      };
      cluster.on('exit', check);
      check();
    };
    cluster.on('exit', (worker: Worker, code: number | null, signal: string | null) => {
      if (stopping) return;
      if (serving < count) {
        log.error({ worker: worker.process.pid, code, signal }, 'a worker failed to start; stopping the others');
        stop('SIGTERM', EXIT.failed);
        return;
      }
      log.error({ worker: worker.process.pid, code, signal }, 'worker exited; starting another');
      setTimeout(fork, RESTART_BACKOFF_MS).unref();
    });
    process.once('SIGTERM', () => stop('SIGTERM', EXIT.ok));
    process.once('SIGINT', () => stop('SIGINT', EXIT.ok));
  });
}
