// guardStore, the one wrapper every store caller uses: a failure says what the gate was doing
// and keeps what went wrong as its cause.
import { describe, expect, it } from 'vitest';

import { describeError } from '../../src/shared/safe-error.js';
import { guardStore, StoreError } from '../../src/store/store.js';

const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });

describe('guardStore', () => {
  it('wraps a failure as a StoreError saying what was being done, with the failure as its cause', async () => {
    const cause = refused();
    const error = await guardStore('loading session', () => Promise.reject(cause)).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).message).toBe('store: loading session');
    expect((error as StoreError).cause).toBe(cause);
  });

  it("keeps a backend's own StoreError as the cause, so both the work and the command are told", async () => {
    const backend = new StoreError('redis: GET', refused());
    const error = await guardStore('loading challenge', () => Promise.reject(backend)).catch((err: unknown) => err);
    expect((error as StoreError).cause).toBe(backend);
    expect(describeError(error)).toBe(
      'store: loading challenge: store: redis: GET: connect ECONNREFUSED 127.0.0.1:6379',
    );
  });

  it('asks a message function only on failure, so it reports the progress made until then', async () => {
    let done = 0;
    const error = await guardStore(
      () => `revoking sessions (${done} of 5 done)`,
      async () => {
        done = 3;
        throw refused();
      },
    ).catch((err: unknown) => err);
    expect((error as StoreError).message).toBe('store: revoking sessions (3 of 5 done)');
  });
});
