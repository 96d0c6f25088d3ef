// `otp-gate check --config F`: the same validation start-up runs, with every problem listed.
import { loadGate } from '../config/load-gate.js';
import { loadGateFiles } from '../main/gate-files.js';
import { createLogger } from '../shared/log.js';
import { EXIT, printProblems, reportingConfigErrors } from './output.js';

export function runCheck(configPath: string): Promise<number> {
  return reportingConfigErrors(async () => {
    const { gate, warnings } = await loadGate(configPath, process.env);
    printProblems(warnings);
    const { config, policy, directory } = gate;
    // The page templates, locale texts and SMS texts the gate would read at start.
    loadGateFiles(config, { log: createLogger({ level: 'silent' }), directory: () => directory });
    process.stdout.write(
      `${configPath}: OK — ${config.apps.length} app(s), ${policy.rules.length} rule(s), ${directory.all().length} user(s), channels: ${Object.keys(config.channels).join(', ')}\n`,
    );
    return EXIT.ok;
  }, 'the gate would not start with this configuration');
}
