// `otp-gate delivery stats`: what the gates have learned from their deliveries, read from the
// store they share: per channel, country and number prefix, the sends, the share delivered and
// typed in, and the p50/p90 time from send to "delivered".
import type { StatsRow } from '../channels/delivery-stats.js';
import { readDeliveryStats } from '../channels/delivery-stats.js';
import { loadGate } from '../config/load-gate.js';
import { systemClock } from '../shared/clock.js';
import { describeError } from '../shared/safe-error.js';
import { createStore } from '../store/create-store.js';
import { StoreError } from '../store/store.js';
import { EXIT, reportingConfigErrors } from './output.js';

export interface DeliveryStatsArgs {
  config: string;
  json: boolean;
}

export async function runDeliveryStats(args: DeliveryStatsArgs): Promise<number> {
  return reportingConfigErrors(async () => {
    const { gate } = await loadGate(args.config, process.env);
    const { config } = gate;
    if (config.store.type !== 'redis') {
      process.stderr.write(
        'delivery stats: the configured store is "memory", which lives inside the gate process; its figures are on its /metrics (otp_gate_delivery_seconds)\n',
      );
      return EXIT.failed;
    }
    const store = createStore(config.store, systemClock);
    try {
      await store.check();
      const rows = await readDeliveryStats(store, systemClock.now(), config.deliveryFigures.halfLife);
      process.stdout.write(args.json ? `${JSON.stringify(rows.map(asJson), null, 2)}\n` : formatStats(rows));
      return EXIT.ok;
    } catch (err) {
      if (!(err instanceof StoreError)) throw err;
      process.stderr.write(`delivery stats: ${describeError(err)}\n`);
      return EXIT.failed;
    } finally {
      await store.close();
    }
  }, 'nothing was read');
}

const round = (n: number, digits = 1) => Number(n.toFixed(digits));
/** JSON has no Infinity: a latency never measured is null. */
const msOrNull = (ms: number) => (Number.isFinite(ms) ? ms : null);

function asJson(row: StatsRow) {
  const { figures: f } = row;
  return {
    channel: row.channel,
    scope: row.scope,
    where: row.where,
    sent: round(row.sent),
    delivered: round(row.delivered),
    failed: round(row.failed),
    verified: round(row.verified),
    delivered_share: round(f.deliveredShare, 3),
    verified_share: round(f.verifiedShare, 3),
    p50_ms: msOrNull(f.p50Ms),
    p90_ms: msOrNull(f.p90Ms),
  };
}

const seconds = (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)}s` : '-');
const percent = (share: number) => `${Math.round(share * 100)}%`;

/** A table, one row per scope; counts are age-weighted, so they may have decimals. */
export function formatStats(rows: readonly StatsRow[]): string {
  if (rows.length === 0) return 'no deliveries with reports in the last 8 days\n';
  const header = ['channel', 'where', 'sent', 'delivered', 'verified', 'failed', 'p50', 'p90'];
  const lines = rows.map((r) => [
    r.channel,
    r.where,
    String(round(r.sent)),
    percent(r.figures.deliveredShare),
    percent(r.figures.verifiedShare),
    String(round(r.failed)),
    seconds(r.figures.p50Ms),
    seconds(r.figures.p90Ms),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const format = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return `${[format(header), ...lines.map(format)].join('\n')}\n`;
}
