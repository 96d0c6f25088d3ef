// How a verdict is named in metrics: a forward without an identity is a bypass rule.
import type { DecisionLabel } from '../ops/metrics.js';
import type { Verdict } from './authorize.js';

export function verdictLabel(verdict: Verdict): DecisionLabel {
  if (verdict.kind === 'forward') return verdict.identity ? 'forward' : 'bypass';
  return verdict.kind === 'token-refused' ? 'token_refused' : verdict.kind;
}
