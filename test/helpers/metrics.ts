// Reads a counter from a gate's metrics registry: the sum over series whose labels match.
import type { RunningGate } from '../../src/main/server.js';

export async function counter(gate: RunningGate, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = gate.metrics.registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  return values
    .filter((v) => Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want))
    .reduce((sum, v) => sum + v.value, 0);
}
