// The ChannelError a channel's send or check rejects with; fails the test when it resolves or
// throws anything else.
import { expect } from 'vitest';

import { ChannelError } from '../../src/channels/channel.js';

export async function channelFailure(promise: Promise<unknown>): Promise<ChannelError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ChannelError);
  return err as ChannelError;
}
