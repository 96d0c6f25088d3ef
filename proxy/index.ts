// The package's public API: load a configuration the way `serve` does, and run a gate from it.
export { loadGate, loadGateFromText } from './config/load-gate.js';
export { ConfigError, formatProblem } from './config/problem.js';
export type { Problem } from './config/problem.js';
export type { GateConfig, LoadedGate } from './config/types.js';
export { startGate } from './server.js';
export type { GateOptions, RunningGate } from './server.js';
