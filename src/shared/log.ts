// Operational logs as JSON lines (pino). Audit events go elsewhere (audit/). Two guards keep
// secrets out: every error is reduced to safe fields (safe-error.ts), and each line is scrubbed of
// the configured secret values, so one that reaches a log call by another road is still hidden.
import type { Logger as PinoLogger } from 'pino';
import { pino } from 'pino';

import { safeError } from './safe-error.js';

export type Logger = PinoLogger;

export interface LogConfig {
  level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
}

export const REDACTED = '[redacted]';

export interface LoggerOptions {
  /** Where lines go; stdout when absent. */
  destination?: NodeJS.WritableStream;
  /** Values never to print (configSecrets): replaced in every line as written. */
  secrets?: readonly string[];
}

export function createLogger(config: LogConfig, options: LoggerOptions = {}): Logger {
  const scrub = createScrubber(options.secrets ?? []);
  return pino(
    {
      level: config.level,
      base: { service: 'otp-gate' },
      serializers: { err: safeError, error: safeError, cause: safeError },
      redact: {
        paths: [
          'code',
          '*.code',
          'secret',
          '*.secret',
          'secrets',
          'password',
          '*.password',
          'token',
          '*.token',
          'phone',
          '*.phone',
          'headers.cookie',
          'headers.authorization',
          'req.headers.cookie',
          'req.headers.authorization',
        ],
        censor: REDACTED,
      },
      ...(scrub ? { hooks: { streamWrite: scrub } } : {}),
    },
    options.destination as pino.DestinationStream | undefined,
  );
}

/** Replaces each secret, as written and as JSON-escaped, in a line; undefined when there are none. */
export function createScrubber(secrets: readonly string[]): ((line: string) => string) | undefined {
  const forms = [...new Set(secrets.flatMap((s) => [s, JSON.stringify(s).slice(1, -1)]))]
    // Longest first, so a secret containing another is replaced whole.
    .sort((a, b) => b.length - a.length);
  if (forms.length === 0) return undefined;
  return (line) => {
    let out = line;
    for (const form of forms) if (out.includes(form)) out = out.replaceAll(form, REDACTED);
    return out;
  };
}
