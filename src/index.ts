// The package's public API: load a configuration the way `serve` does, run a gate from it, or use it as Koa middleware.
export type { ChannelRecorder } from './channels/channel.js';
export { loadGate, loadGateFromText } from './config/load-gate.js';
export type { GateConfig, LoadedGate } from './config/types.js';
export type { OtpGateMiddleware, OtpGateOptions, OtpGateState } from './main/koa-middleware.js';
export { otpGate } from './main/koa-middleware.js';
export type { GateOptions, RunningGate } from './main/server.js';
export { startGate } from './main/server.js';
export type { GateMetrics } from './ops/metrics.js';
export { createGateMetrics } from './ops/metrics.js';
export type { Problem } from './shared/problem.js';
export { ConfigError, formatProblem } from './shared/problem.js';
