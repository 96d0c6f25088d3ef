// The audit trail: one JSON line per security event, kept apart from operational logs.
// Never carries a code, a secret or a full phone number: destinations arrive masked.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';

import type { AuditConfig } from '../config/types.js';
import { loggableUser } from '../directory/enrolled-id.js';
import type { Clock } from '../shared/clock.js';

export type AuditEventName =
  | 'challenge_started'
  | 'code_sent'
  | 'code_send_failed'
  | 'code_failed'
  | 'send_refused'
  | 'login'
  | 'denied'
  | 'logout'
  | 'lockout'
  /** A channel was given up on (failed report or no delivery in time); the next one is tried. */
  | 'code_fallback'
  /** Every channel failed for one code. */
  | 'code_undelivered'
  /** A provider's delivery report was applied. */
  | 'delivery_status'
  /** A webhook call without a valid signature or verify token. */
  | 'webhook_rejected'
  /** An authenticator app was set up (ok) or its confirming code was wrong (fail). */
  | 'totp_enrolled'
  /** An authenticator app was removed. */
  | 'totp_removed'
  /** A daily or monthly spend budget was reached (`reason` says which); once per window. */
  | 'budget_reached'
  /** The pumping breaker paused a number prefix (`reason` says what it counted). */
  | 'prefix_paused'
  /** A passkey or security key was added (ok) or its answer refused (fail, with the reason). */
  | 'webauthn_added'
  /** A passkey or security key was removed: by its owner, or by an admin (sessions revoke --credentials). */
  | 'webauthn_removed'
  /** A sign-in answer whose sign counter did not move forward: the key may have been cloned. Refused. */
  | 'webauthn_cloned'
  /** An access token was checked against the store and let a request through (at most once per session.verified_cache per instance). */
  | 'token_used'
  /** A request with an access token was refused (401, 403, 429). */
  | 'token_refused'
  /** An access token was made (CLI or account page) or revoked. */
  | 'token_created'
  | 'token_revoked'
  /** A sign-in began waiting for approval from the person's phone (scan, WhatsApp reply, push). */
  | 'approval_started'
  /** The person approved a waiting sign-in (channel: how). */
  | 'approval_granted'
  /** The person denied a waiting sign-in. */
  | 'approval_denied'
  /** An approval was refused (`reason`: expired, not-the-person, wrong-number, unknown-phrase, unknown-sender). */
  | 'approval_refused'
  /** An admin ended sessions (`sessions revoke`): a person's, with their trusted browsers, personal tokens and push devices, or one. */
  | 'sessions_revoked'
  /** An enrolled person was forgotten: by an admin (`users remove`) or at their own asking (account page, `by: self`). */
  | 'person_removed'
  /** An admin lifted the pumping breaker's pause on a number prefix (`delivery resume`). */
  | 'prefix_resumed'
  /** A sign-in request reached a registered browser's push service (`device`: its id; `destination`: the service's origin). */
  | 'push_sent'
  /** A push service refused or did not answer; `reason` says how ("gone" when it no longer knows the browser). */
  | 'push_failed'
  /** A browser was registered for push approvals on the account page. */
  | 'push_device_added'
  /** A registered browser was removed: by its owner, by the cap, or because its push service forgot it. */
  | 'push_device_removed';

export interface AuditEvent {
  event: AuditEventName;
  /** Username when known; for unknown identities, undefined (the identity itself is not logged). */
  user?: string | undefined;
  /** The client's address; `local` for an admin command run on a host (see `by`). */
  ip: string;
  /**
   * Who acted where it is not the signed-in person: "cli:" and the OS user who ran an admin
   * command; "self" where a person removed themselves.
   */
  by?: string | undefined;
  rule?: string | undefined;
  outcome: 'ok' | 'fail' | 'refused';
  channel?: string | undefined;
  /** Masked destination ("+39 ••• ••• 4567"). */
  destination?: string | undefined;
  reason?: string | undefined;
  host?: string | undefined;
  path?: string | undefined;
  /** The sign-in this event belongs to (auditFlowId): the same on every event of one flow. */
  flow?: string | undefined;
  /** The provider's message id, on events about one sent message. */
  messageId?: string | undefined;
  /** An access token's public id (never its secret) and name, on token events. */
  tokenId?: string | undefined;
  token?: string | undefined;
  /** The app (by name) a token event was about. */
  app?: string | undefined;
  /** A push device's random id, on push events: never its endpoint, which is a capability. */
  device?: string | undefined;
}

/**
 * The name of a sign-in flow in the audit trail. The flow id itself rides in the person's flow
 * cookie, so the trail carries a digest of it: enough to tie events together, useless to replay.
 */
export function auditFlowId(flowId: string): string {
  return createHash('sha256').update(`otp-gate audit flow\0${flowId}`).digest('base64url').slice(0, 16);
}

export interface AuditLog {
  record(event: AuditEvent): void;
  close(): Promise<void>;
}

export function createAuditLog(
  config: AuditConfig,
  deps: { clock: Clock; onError: (err: Error) => void; out?: Writable },
): AuditLog {
  if (config.file === 'off') return { record() {}, close: async () => {} };
  const out: Writable =
    deps.out ?? (config.file === '-' ? process.stdout : createWriteStream(config.file, { flags: 'a' }));
  // A failed audit write is logged, never a reason to fail a login.
  out.on('error', deps.onError);
  const owned = out !== process.stdout && out !== deps.out;
  return {
    record(event) {
      // An enrolled person is named by their number, which the trail never holds in full.
      const named = event.user === undefined ? event : { ...event, user: loggableUser(event.user) };
      const line = JSON.stringify({ time: new Date(deps.clock.now()).toISOString(), audit: true, ...named });
      out.write(line + '\n');
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (owned) out.end(resolve);
        else resolve();
      }),
  };
}
