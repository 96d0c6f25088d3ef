// What a reload swaps as one unit: config, compiled policy, directory and what is derived from them.
import type { GateConfig, LoadedGate } from '../config/types.js';
import type { Directory } from '../directory/types.js';
import type { CompiledPolicy } from '../policy/types.js';
import type { Clock } from '../shared/clock.js';
import type { AddressMatcher } from '../shared/net/cidr.js';
import { createAddressMatcher } from '../shared/net/cidr.js';
import type { AppMatcher } from './app-matcher.js';
import { createAppMatcher } from './app-matcher.js';
import type { Assertions } from './assertions.js';
import { createAssertions } from './assertions.js';
import type { HeaderRewriter } from './forward/upstream-headers.js';
import { createHeaderRewriter } from './forward/upstream-headers.js';

export interface GateState {
  config: GateConfig;
  policy: CompiledPolicy;
  directory: Directory;
  findApp: AppMatcher;
  isTrusted: AddressMatcher;
  /** Sets and strips identity_headers on what goes upstream. */
  rewriter: HeaderRewriter;
  /** Signed JWTs for the apps that ask for one, and the JWKS; new keys and a new cache at each reload. */
  assertions: Assertions;
}

/** `gateCookies`: the gate's cookie names, kept from the upstream (the session's, so fixed at start-up). */
export function createGateState(loaded: LoadedGate, gateCookies: readonly string[], clock: Clock): GateState {
  return {
    ...loaded,
    findApp: createAppMatcher(loaded.config.apps),
    isTrusted: createAddressMatcher(loaded.config.server.trustedProxies),
    rewriter: createHeaderRewriter(loaded.config.identityHeaders, gateCookies, loaded.config.apps),
    assertions: createAssertions(loaded.config.assertions, clock),
  };
}
