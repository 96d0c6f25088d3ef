// Counts security events as they are audited: every send, check, login and lockout already goes
// through the audit log, so counting there covers them all without touching the flows themselves.
import type { AuditEvent, AuditLog } from '../audit/audit-log.js';
import type { GateMetrics } from './metrics.js';

export function withAuditMetrics(audit: AuditLog, metrics: GateMetrics): AuditLog {
  return {
    record(event) {
      audit.record(event);
      count(event, metrics);
    },
    close: () => audit.close(),
  };
}

function count(event: AuditEvent, metrics: GateMetrics): void {
  switch (event.event) {
    case 'code_sent':
      return metrics.codeSent(event.channel ?? 'unknown', 'ok');
    case 'code_send_failed':
      return metrics.codeSent(event.channel ?? 'unknown', 'fail');
    case 'send_refused':
      return metrics.codeSent(event.channel ?? 'none', 'refused');
    case 'code_failed':
      return metrics.verification(event.reason === 'wrong code' ? 'wrong' : 'dead');
    case 'login':
      return metrics.verification('success');
    case 'lockout':
      return metrics.lockout();
    default:
      return;
  }
}
