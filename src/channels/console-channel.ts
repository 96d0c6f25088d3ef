// Prints codes to a stream (stdout by default) for development and the demo: no account needed.
// This is a delivery channel, not a log: it is the only place a code is ever written.
import type { Writable } from 'node:stream';

import { loggableUser } from '../directory/enrolled-id.js';
import type { Channel } from './channel.js';

export function createConsoleChannel(name: string, out: Writable = process.stdout): Channel {
  return {
    name,
    // Written to the terminal the person reads: the delivery figures count it delivered at once.
    deliveredOnSend: true,
    async send(message) {
      const to = message.maskedPhone ?? 'no phone';
      out.write(
        `[otp-gate console channel] code for ${loggableUser(message.username)} (${to}) on ${message.host}: ${message.code}\n`,
      );
      return { messageId: undefined };
    },
    async check() {},
  };
}
