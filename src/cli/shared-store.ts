// The store the gates share, opened for an admin command: only a redis store lives outside the
// gate process. Checked before use and closed after; a store failure is one line and exit 1.
import { loadGate } from '../config/load-gate.js';
import type { LoadedGate } from '../config/types.js';
import { systemClock } from '../shared/clock.js';
import { describeError } from '../shared/safe-error.js';
import { createStore } from '../store/create-store.js';
import type { Store } from '../store/store.js';
import { StoreError } from '../store/store.js';
import { EXIT, reportingConfigErrors } from './output.js';

/** Loads the config, opens its store and runs `act`; `command` names the command in messages, `outcome` what a config error stopped. */
export function withSharedStore(
  command: string,
  configPath: string,
  outcome: string,
  act: (store: Store, gate: LoadedGate) => Promise<number>,
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
    try {
      await store.check();
      return await act(store, gate);
    } catch (err) {
      if (!(err instanceof StoreError)) throw err;
      process.stderr.write(`${command}: ${describeError(err)}\n`);
      return EXIT.failed;
    } finally {
      await store.close();
    }
  }, outcome);
}
