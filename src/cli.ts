// The otp-gate command line: reads argv against the command table (cli/commands.ts), prints help,
// usage or the version, or runs the command named.
import { readFileSync } from 'node:fs';

import { runCheck } from './cli/check.js';
import type { CommandLine } from './cli/command-line.js';
import { readCommandLine } from './cli/command-line.js';
import type { CommandSpec } from './cli/commands.js';
import { runDeliveryStats } from './cli/delivery.js';
import { deliveryPausesArgs, runDeliveryPauses } from './cli/delivery-pauses.js';
import { runDemo } from './cli/demo.js';
import { runExplain } from './cli/explain.js';
import { runHashPassword } from './cli/hash-password.js';
import { commandHelp, generalUsage, usageReminder } from './cli/help.js';
import { EXIT, UsageError } from './cli/output.js';
import { policyDiffArgs, runPolicyDiff } from './cli/policy-diff.js';
import { runPolicyTest } from './cli/policy-test.js';
import { runServe } from './cli/serve.js';
import { runSessions, sessionsArgs } from './cli/sessions.js';
import { runTokens, tokensArgs } from './cli/tokens.js';
import { runUsers, usersArgs } from './cli/users.js';
import { describeError } from './shared/safe-error.js';

type Run = Extract<CommandLine, { kind: 'run' }>;

/** What each command of the table runs; required options are present by then. */
const RUNNERS: Record<string, (line: Run) => Promise<number>> = {
  serve: ({ values }) => runServe(values.config!),
  check: ({ values }) => runCheck(values.config!),
  explain: ({ values }) =>
    runExplain({
      config: values.config!,
      url: values.url!,
      method: values.method!,
      ip: values.ip!,
      user: values.user,
      token: values.token,
      groups: values.groups,
      via: values.via,
    }),
  demo: ({ values }) => runDemo(portNumber(values.port!)),
  'sessions list': ({ values }) => runSessions(sessionsArgs('list', values)),
  'sessions revoke': ({ values }) => runSessions(sessionsArgs('revoke', values)),
  'delivery stats': ({ values }) => runDeliveryStats({ config: values.config!, json: values.json === 'true' }),
  'users list': ({ values, operands }) => runUsers(usersArgs('list', values, operands)),
  'users remove': ({ values, operands }) => runUsers(usersArgs('remove', values, operands)),
  'users promote': ({ values, operands }) => runUsers(usersArgs('promote', values, operands)),
  'delivery paused': ({ values, operands }) => runDeliveryPauses(deliveryPausesArgs('paused', values, operands)),
  'delivery resume': ({ values, operands }) => runDeliveryPauses(deliveryPausesArgs('resume', values, operands)),
  'tokens create': ({ values, operands }) => runTokens(tokensArgs('create', values, operands)),
  'tokens list': ({ values, operands }) => runTokens(tokensArgs('list', values, operands)),
  'tokens revoke': ({ values, operands }) => runTokens(tokensArgs('revoke', values, operands)),
  'policy-test': ({ values, operands }) => runPolicyTest({ config: values.config!, cases: operands[0]! }),
  'policy-diff': ({ values }) => runPolicyDiff(policyDiffArgs(values)),
  'hash-password': () => runHashPassword(),
};

export async function main(argv: readonly string[]): Promise<number> {
  const line = readCommandLine(argv, process.env);
  switch (line.kind) {
    case 'usage':
      process.stdout.write(generalUsage());
      return EXIT.ok;
    case 'version':
      process.stdout.write(`${packageVersion()}\n`);
      return EXIT.ok;
    case 'help':
      process.stdout.write(commandHelp(line.spec));
      return EXIT.ok;
    case 'mistake':
      return mistake(line.problem, line.spec);
    case 'run': {
      const run = RUNNERS[line.spec.name];
      if (!run) throw new Error(`the command table names "${line.spec.name}", which has no runner`);
      try {
        return await run(line);
      } catch (err) {
        if (!(err instanceof UsageError)) throw err;
        return mistake(err.message, line.spec);
      }
    }
  }
}

function mistake(problem: string, spec: CommandSpec | undefined): number {
  process.stderr.write(`${spec?.name ?? 'otp-gate'}: ${problem}\n${usageReminder(spec)}`);
  return EXIT.usage;
}

function portNumber(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port must be a port number, got "${text}"`);
  return port;
}

/** package.json is one folder up from src/cli.ts and from dist/cli.js alike. */
function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // Only the messages of the cause chain: a client's error object can hold the secrets it was given.
    process.stderr.write(`otp-gate: ${describeError(err)}\n`);
    process.exitCode = EXIT.failed;
  },
);
