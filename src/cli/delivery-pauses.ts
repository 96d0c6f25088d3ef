// `otp-gate delivery paused|resume`: the number prefixes the pumping breaker paused, listed or
// resumed at once, in the store the gates share (a resumed prefix gets codes again on every
// instance at its next sign-in).
import type { PausedPrefix } from '../channels/pumping-breaker.js';
import { createPumpingBreaker } from '../channels/pumping-breaker.js';
import { ROUTE_PREFIX } from '../config/delivery-rules-schema.js';
import { systemClock } from '../shared/clock.js';
import type { CommandSpec, OptionSpec } from './commands.js';
import { EXIT, UsageError } from './output.js';
import { withSharedStore } from './shared-store.js';

/** The `delivery paused` and `delivery resume` rows of the command table, given its --config option. */
export const deliveryPauseCommands = (CONFIG: OptionSpec): CommandSpec[] => [
  {
    name: 'delivery paused',
    summary: 'list the number prefixes the pumping breaker paused',
    usage: ['otp-gate delivery paused --config FILE'],
    about:
      'Prints one line per paused prefix: the prefix, when it was paused, until when, and the codes sent and verified that tripped it.',
    options: [CONFIG],
    examples: ['otp-gate delivery paused --config config.yaml'],
  },
  {
    name: 'delivery resume',
    summary: 'send codes to a paused number prefix again',
    usage: ['otp-gate delivery resume --config FILE PREFIX'],
    about:
      'Lifts the pause at once on every gate instance; its counts start afresh. Exits 1 when the prefix was not paused.',
    options: [CONFIG],
    operands: ['PREFIX'],
    examples: ['otp-gate delivery resume --config config.yaml +882161'],
  },
];

export interface DeliveryPausesArgs {
  action: 'paused' | 'resume';
  config: string;
  prefix: string | undefined;
}

/** The run's arguments; a prefix is "+" and digits, as `delivery paused` prints it. */
export function deliveryPausesArgs(
  action: DeliveryPausesArgs['action'],
  values: Readonly<Record<string, string | undefined>>,
  operands: readonly string[],
): DeliveryPausesArgs {
  const prefix = operands[0];
  if (action === 'resume' && (prefix === undefined || !ROUTE_PREFIX.test(prefix)))
    throw new UsageError(`give the prefix to resume as "+" and digits, like +882161 (got ${prefix ?? 'none'})`);
  return { action, config: values.config!, prefix };
}

export async function runDeliveryPauses(args: DeliveryPausesArgs): Promise<number> {
  return withSharedStore(
    `delivery ${args.action}`,
    args.config,
    'nothing was changed',
    async (store, { config }, audit) => {
      const breaker = createPumpingBreaker({ store, clock: systemClock, config: () => config.pumpingBreaker });
      if (args.action === 'paused') {
        process.stdout.write(formatPaused(await breaker.paused()));
        return EXIT.ok;
      }
      if (!(await breaker.resume(args.prefix!))) {
        process.stderr.write(`delivery resume: ${args.prefix!} is not paused\n`);
        return EXIT.failed;
      }
      // As prefix_paused names it: the prefix, which is no one's number.
      audit({ event: 'prefix_resumed', outcome: 'ok', destination: `${args.prefix!}…` });
      process.stdout.write(`resumed ${args.prefix!}: codes go to it again\n`);
      return EXIT.ok;
    },
  );
}

export function formatPaused(paused: readonly PausedPrefix[]): string {
  if (paused.length === 0) return 'no prefix is paused\n';
  const iso = (ms: number) => new Date(ms).toISOString();
  const rows = paused.map((p) => [p.prefix, iso(p.since), iso(p.until), `${p.verified} of ${p.sent}`]);
  const header = ['PREFIX', 'PAUSED', 'UNTIL', 'VERIFIED'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows]
    .map(
      (cells) =>
        cells
          .map((c, i) => c.padEnd(widths[i]!))
          .join('  ')
          .trimEnd() + '\n',
    )
    .join('');
}
