// What a reload swaps as one unit: config, compiled policy, directory and what is derived from them.
import type { GateConfig, LoadedGate } from '../config/types.js';
import type { Directory } from '../directory/types.js';
import type { CompiledPolicy } from '../policy/types.js';
import type { AddressMatcher } from '../shared/net/cidr.js';
import { createAddressMatcher } from '../shared/net/cidr.js';
import type { AppMatcher } from './app-matcher.js';
import { createAppMatcher } from './app-matcher.js';

export interface GateState {
  config: GateConfig;
  policy: CompiledPolicy;
  directory: Directory;
  findApp: AppMatcher;
  isTrusted: AddressMatcher;
}

export function createGateState(loaded: LoadedGate): GateState {
  return {
    ...loaded,
    findApp: createAppMatcher(loaded.config.apps),
    isTrusted: createAddressMatcher(loaded.config.server.trustedProxies),
  };
}
