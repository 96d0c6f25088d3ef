// The package's public API: load a configuration the way `serve` does, run a gate from it, or use it as Koa middleware.
export { loadGate, loadGateFromText } from './config/load-gate.js';
export { ConfigError, formatProblem } from './config/problem.js';
export type { Problem } from './config/problem.js';
export type { GateConfig, LoadedGate } from './config/types.js';
export { startGate } from './server.js';
export type { GateOptions, RunningGate } from './server.js';
export { otpGate } from './koa-middleware.js';
export type { OtpGateMiddleware, OtpGateOptions, OtpGateState } from './koa-middleware.js';
export { createGateMetrics } from './ops/metrics.js';
export type { ChannelRecorder, GateMetrics } from './ops/metrics.js';
