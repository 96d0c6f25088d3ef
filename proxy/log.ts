// Operational logs as JSON lines (pino). Audit events go elsewhere (audit/). Fields that could
// carry a secret are redacted in case one ever reaches a log call by mistake.
import { pino } from 'pino';
import type { Logger as PinoLogger } from 'pino';
import type { LogConfig } from './config/types.js';

export type Logger = PinoLogger;

export function createLogger(config: LogConfig, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level: config.level,
      base: { service: 'otp-gate' },
      redact: {
        paths: ['code', '*.code', 'secret', '*.secret', 'secrets', 'password', 'phone', '*.phone', 'headers.cookie', 'req.headers.cookie', 'req.headers.authorization'],
        censor: '[redacted]',
      },
    },
    destination as pino.DestinationStream | undefined,
  );
}
