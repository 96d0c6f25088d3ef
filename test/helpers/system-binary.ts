// Suites that need a system binary (Chromium, redis-server, nginx …): in CI a missing binary is a
// failure; elsewhere the suite is skipped with a loud message, never silently.
import { existsSync } from 'node:fs';

import { describe, it } from 'vitest';

export function findBinary(candidates: readonly string[]): string | undefined {
  return candidates.find((p) => existsSync(p));
}

/** `describe` that runs when the binary exists, fails in CI when it does not, and skips loudly otherwise. */
export function describeWithBinary(
  what: string,
  path: string | undefined,
  install: string,
  body: (path: string) => void,
): void {
  if (path) {
    describe(what, () => body(path));
    return;
  }
  const message = `${what}: needs ${install}, which is not installed`;
  if (process.env.CI) {
    describe(what, () => {
      it('has its system binary installed', () => {
        throw new Error(`${message}; .ci/run installs it on a fresh machine`);
      });
    });
    return;
  }
  console.warn(`\n!!! SKIPPED ${message} (install it, or run .ci/run). !!!\n`);
  describe.skipIf(true)(what, () => body(''));
}
