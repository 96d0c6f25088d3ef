// One factory for the channel family, switching on the configured type.
import type { Writable } from 'node:stream';
import type { ChannelConfig } from '../config/types.js';
import type { Channel } from './channel.js';
import { createConsoleChannel } from './console-channel.js';

export interface ChannelDeps {
  /** Where the console channel prints; tests read codes from here. */
  consoleOut?: Writable;
}

export function createChannel(name: string, config: ChannelConfig, deps: ChannelDeps = {}): Channel {
  switch (config.type) {
    case 'console':
      return createConsoleChannel(name, deps.consoleOut);
  }
}

export function createChannels(configs: Record<string, ChannelConfig>, deps: ChannelDeps = {}): Map<string, Channel> {
  return new Map(Object.entries(configs).map(([name, c]) => [name, createChannel(name, c, deps)]));
}
