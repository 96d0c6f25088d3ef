// The otp-gate command line: serve | check | explain | demo | policy-test | policy-diff | hash-password.
import { parseArgs } from 'node:util';
import { runCheck } from './cli/check.js';
import { runDemo } from './cli/demo.js';
import { runExplain } from './cli/explain.js';
import { runHashPassword } from './cli/hash-password.js';
import { policyDiffCommand } from './cli/policy-diff.js';
import { policyTestCommand } from './cli/policy-test.js';
import { EXIT } from './cli/output.js';
import { runServe } from './cli/serve.js';
import { runSessions } from './cli/sessions.js';

const USAGE = `usage:
  otp-gate serve   --config FILE                    run the gate
  otp-gate check   --config FILE                    validate config, users and policies
  otp-gate explain --config FILE --url URL [--method GET] [--ip 127.0.0.1] [--user NAME]
                                                    show which rule decides a request, and why
  otp-gate demo    [--port 8080]                    run on embedded defaults with a demo app
  otp-gate sessions list   --config FILE --user NAME  list a user's sessions (redis store)
  otp-gate sessions revoke --config FILE (--user NAME | --id ID)
                                                    end sessions on every gate instance
  otp-gate policy-test --config FILE CASES.yaml     check the decisions a cases file expects; exit 1 on any failure
  otp-gate policy-diff --config FILE --old OLD --new NEW [--cases CASES.yaml] [--requests FILE]
                                                    list requests whose decision changes between two policy versions
  otp-gate hash-password                            read a password from standard input (asked twice, not shown,
                                                    on a terminal) and print its hash for a user's "password:"
`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  // Has its own sub-actions and options.
  if (command === 'sessions') return runSessions(rest);
  // Before the shared parser, whose messages repeat an unexpected argument: this one may be a password.
  if (command === 'hash-password') return runHashPassword(rest);
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c' },
        url: { type: 'string' },
        method: { type: 'string', default: 'GET' },
        ip: { type: 'string', default: '127.0.0.1' },
        user: { type: 'string' },
        port: { type: 'string', default: process.env.PORT ?? '8080' },
        help: { type: 'boolean', short: 'h' },
        old: { type: 'string' },
        new: { type: 'string' },
        cases: { type: 'string' },
        requests: { type: 'string' },
      },
    }));
    if (positionals.length > 0 && command !== 'policy-test') throw new Error(`Unexpected argument '${positionals[0]}'`);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}`);
    return EXIT.usage;
  }
  const config = values.config as string | undefined;
  const needConfig = () => {
    process.stderr.write(`${command}: --config FILE is required\n${USAGE}`);
    return EXIT.usage;
  };
  switch (command) {
    case 'serve':
      return config ? runServe(config) : needConfig();
    case 'check':
      return config ? runCheck(config) : needConfig();
    case 'explain':
      if (!config) return needConfig();
      if (!values.url) {
        process.stderr.write(`explain: --url URL is required\n${USAGE}`);
        return EXIT.usage;
      }
      return runExplain({ config, url: values.url as string, method: values.method as string, ip: values.ip as string, user: values.user as string | undefined });
    case 'policy-test':
      return config ? policyTestCommand(config, positionals, USAGE) : needConfig();
    case 'policy-diff':
      return config ? policyDiffCommand({ config, old: values.old, new: values.new, cases: values.cases, requests: values.requests }, USAGE) : needConfig();
    case 'demo': {
      const port = Number(values.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        process.stderr.write(`demo: --port must be a port number, got "${String(values.port)}"\n`);
        return EXIT.usage;
      }
      return runDemo(port);
    }
    default:
      process.stdout.write(USAGE);
      return command === undefined || values.help ? EXIT.ok : EXIT.usage;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`otp-gate: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = EXIT.failed;
  },
);
