// The admin commands that work on the store the gates share (sessions, tokens): load the config,
// refuse a memory store (it lives inside the gate process), open Redis, run, close. A store
// failure is reported in one line, naming what was being done.
import { loadGate } from '../config/load-gate.js';
import type { LoadedGate } from '../config/types.js';
import { systemClock } from '../shared/clock.js';
import { describeError } from '../shared/safe-error.js';
import { createStore } from '../store/create-store.js';
import type { Store } from '../store/store.js';
import { StoreError } from '../store/store.js';
import { EXIT, reportingConfigErrors } from './output.js';

/** `command` names it in messages ("sessions"); `untouched` says what was not done when it fails. */
export function withSharedStore(
  configFile: string,
  command: string,
  untouched: string,
  act: (store: Store, gate: LoadedGate) => Promise<number>,
): Promise<number> {
  return reportingConfigErrors(async () => {
    const { gate } = await loadGate(configFile, process.env);
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
  }, untouched);
}
