// Commands that act on the store the gates share (sessions, delivery pauses): open the configured
// store, run, close. Only a redis store can be reached from here; the memory store lives inside
// the gate process.
import type { GateConfig } from '../config/types.js';
import { systemClock } from '../shared/clock.js';
import { describeError } from '../shared/safe-error.js';
import { createStore } from '../store/create-store.js';
import type { Store } from '../store/store.js';
import { StoreError } from '../store/store.js';
import { EXIT } from './output.js';

/** Runs `body` on the configured redis store; `command` names the command in what it prints. */
export async function withSharedStore(
  config: GateConfig,
  command: string,
  body: (store: Store) => Promise<number>,
): Promise<number> {
  if (config.store.type !== 'redis') {
    process.stderr.write(
      `${command}: the configured store is "memory", which lives inside the gate process; only a redis store can be managed from here\n`,
    );
    return EXIT.failed;
  }
  const store = createStore(config.store, systemClock);
  try {
    await store.check();
    return await body(store);
  } catch (err) {
    if (!(err instanceof StoreError)) throw err;
    process.stderr.write(`${command}: ${describeError(err)}\n`);
    return EXIT.failed;
  } finally {
    await store.close();
  }
}
