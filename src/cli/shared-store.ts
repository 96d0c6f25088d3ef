// The store the gates share, opened for an admin command: only a redis store lives outside the
// gate process. Checked before use and closed after; a store failure is one line and exit 1.
import { userInfo } from 'node:os';

import type { AuditEvent, AuditLog } from '../audit/audit-log.js';
import { createAuditLog } from '../audit/audit-log.js';
import { loadGate } from '../config/load-gate.js';
import type { LoadedGate } from '../config/types.js';
import { systemClock } from '../shared/clock.js';
import { describeError } from '../shared/safe-error.js';
import { createStore } from '../store/create-store.js';
import type { Store } from '../store/store.js';
import { StoreError } from '../store/store.js';
import { EXIT, reportingConfigErrors } from './output.js';

/** An admin command's audit record: who acted is filled in. */
export type AdminAudit = (event: Omit<AuditEvent, 'ip' | 'by'>) => void;

/**
 * Loads the config, opens its store and runs `act`; `command` names the command in messages,
 * `outcome` what a config error stopped. What `act` changes it records in the gates' audit trail
 * (`audit.file`; with "-", on standard error, since standard output carries the command's answer).
 */
export function withSharedStore(
  command: string,
  configPath: string,
  outcome: string,
  act: (store: Store, gate: LoadedGate, audit: AdminAudit) => Promise<number>,
): Promise<number> {
  return reportingConfigErrors(async () => {
    const { gate } = await loadGate(configPath, process.env);
    if (gate.config.store.type !== 'redis') {
      process.stderr.write(
        `${command}: the configured store is "memory", which lives inside the gate process; only a redis store can be managed from here\n`,
      );
      return EXIT.failed;
    }
    const store = createStore(gate.config.store, systemClock);
    const trail = adminTrail(gate, command);
    try {
      await store.check();
      return await act(store, gate, (event) => trail.record({ ...event, ip: 'local', by: actor() }));
    } catch (err) {
      if (!(err instanceof StoreError)) throw err;
      process.stderr.write(`${command}: ${describeError(err)}\n`);
      return EXIT.failed;
    } finally {
      await Promise.all([store.close(), trail.close()]);
    }
  }, outcome);
}

function adminTrail(gate: LoadedGate, command: string): AuditLog {
  const { audit } = gate.config;
  return createAuditLog(audit, {
    clock: systemClock,
    // The change is made either way; a trail that cannot be written is said, not a failure.
    onError: (err) => process.stderr.write(`${command}: could not write the audit trail: ${describeError(err)}\n`),
    ...(audit.file === '-' ? { out: process.stderr } : {}),
  });
}

/** "cli:" and the operating-system user; "cli" where the system has no name for them (a container's bare uid). */
function actor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
}
