// `otp-gate serve --config F`: validate everything, start, and keep running until told to stop.
// SIGHUP reloads policies and users; a reload that fails keeps the last good set.
import { loadGate } from '../config/load-gate.js';
import { formatProblem } from '../config/problem.js';
import { ConfigError } from '../config/problem.js';
import type { RunningGate } from '../server.js';
import { startGate } from '../server.js';
import { EXIT, printProblems, reportingConfigErrors } from './output.js';

export function runServe(configPath: string): Promise<number> {
  return reportingConfigErrors(async () => {
    const { gate: loaded, warnings } = await loadGate(configPath, process.env);
    printProblems(warnings);
    const gate = await startGate(loaded);
    process.stdout.write(`otp-gate serving ${loaded.config.apps.map((a) => a.host).join(', ')} on ${gate.url}\n`);
    await untilStopped(gate, async () => {
      const { gate: next } = await loadGate(configPath, process.env);
      gate.reload(next);
    });
    return EXIT.ok;
  });
}

/** Resolves after SIGTERM/SIGINT once the gate has closed; SIGHUP calls `reload`. */
export function untilStopped(gate: RunningGate, reload?: () => Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      gate.log.info('stopping');
      void gate.close().then(resolve);
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    if (reload) {
      process.on('SIGHUP', () => {
        reload().then(
          () => gate.log.info('configuration reloaded'),
          (err: unknown) => {
            const problems = err instanceof ConfigError ? err.problems.map(formatProblem) : [String(err)];
            gate.log.error({ problems }, 'reload failed; still serving the last good configuration');
          },
        );
      });
    }
  });
}
