// Counts every request that carried an access token, and audits what matters: a token checked
// against the store that let a request through (which token, which app, from where; at most once
// per session.verified_cache per instance), and every refusal except a rate-limited one (the
// limit exists because someone is flooding: their flood is a metric, not an audit line each).
import type { AuditLog } from '../audit/audit-log.js';
import type { GateMetrics } from '../ops/metrics.js';
import type { TokenObserver } from './authorize.js';

export function createTokenObserver(deps: {
  audit: AuditLog;
  metrics: Pick<GateMetrics, 'tokenDecision'>;
}): TokenObserver {
  return (rc, verdict, checked) => {
    if (verdict.kind !== 'forward' && verdict.kind !== 'token-refused') return;
    const token = verdict.token;
    const result = verdict.kind === 'forward' ? 'ok' : verdict.result;
    deps.metrics.tokenDecision(token?.kind ?? 'none', result);
    if ((verdict.kind === 'forward' && !checked) || result === 'limited') return;
    deps.audit.record({
      event: verdict.kind === 'forward' ? 'token_used' : 'token_refused',
      user: token?.user,
      token: token?.name,
      tokenId: token?.id,
      app: rc.app?.name,
      ip: rc.facts.ip,
      rule: verdict.rule.name,
      outcome: verdict.kind === 'forward' ? 'ok' : 'refused',
      ...(verdict.kind === 'token-refused' ? { reason: result } : {}),
      host: rc.facts.host,
      path: rc.facts.path,
    });
  };
}
