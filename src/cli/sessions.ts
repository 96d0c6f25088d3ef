// `otp-gate sessions list|revoke`: an admin's view of who is signed in, against the store the
// gates share. Revoking here ends the session on every instance at its next request; revoking a
// user also ends their trusted browsers, personal tokens and browsers registered for push approvals.
import type { PushSubscriptions } from '../channels/push-subscriptions.js';
import { createPushSubscriptions } from '../channels/push-subscriptions.js';
import type { Session, Sessions } from '../session/sessions.js';
import { createSessions } from '../session/sessions.js';
import { createSigner } from '../session/signer.js';
import type { Tokens } from '../session/tokens.js';
import { createTokens } from '../session/tokens.js';
import type { TrustedDevices } from '../session/trusted-devices.js';
import { createTrustedDevices } from '../session/trusted-devices.js';
import { systemClock } from '../shared/clock.js';
import type { WebauthnCredentials } from '../webauthn/credentials.js';
import { createWebauthnCredentials } from '../webauthn/credentials.js';
import { EXIT, formatTable, UsageError } from './output.js';
import type { AdminAudit } from './shared-store.js';
import { withSharedStore } from './shared-store.js';

export interface SessionsArgs {
  action: 'list' | 'revoke';
  config: string;
  user: string | undefined;
  id: string | undefined;
  /** With user: also remove their passkeys and security keys. */
  credentials: boolean;
}

export function runSessions(args: SessionsArgs): Promise<number> {
  return withSharedStore('sessions', args.config, 'no session was touched', async (store, { config }, audit) => {
    const signer = createSigner(config.session.secrets);
    const sessions = createSessions({ store, signer, clock: systemClock, config: config.session });
    return act(
      {
        sessions,
        devices: createTrustedDevices({ store, signer, clock: systemClock }),
        tokens: createTokens({ store, clock: systemClock, verifiedCacheMs: 0 }),
        credentials: createWebauthnCredentials(store),
        pushDevices: createPushSubscriptions(store),
        audit,
      },
      args,
    );
  });
}

/** The run's arguments from the command line's options (--config and list's --user it has required). */
export function sessionsArgs(
  action: SessionsArgs['action'],
  values: Readonly<Record<string, string | undefined>>,
): SessionsArgs {
  const { config, user, id } = values;
  if (action === 'revoke' && (user === undefined) === (id === undefined))
    throw new UsageError('give exactly one of --user NAME or --id ID');
  const credentials = values.credentials === 'true';
  if (credentials && user === undefined) throw new UsageError('--credentials goes with --user NAME');
  return { action, config: config!, user, id, credentials };
}

interface Managed {
  sessions: Sessions;
  devices: TrustedDevices;
  tokens: Tokens;
  credentials: WebauthnCredentials;
  audit: AdminAudit;
  pushDevices: PushSubscriptions;
}

async function act(
  { sessions, devices, tokens, credentials, audit, pushDevices }: Managed,
  args: SessionsArgs,
): Promise<number> {
  if (args.action === 'list') {
    const list = await sessions.list(args.user!);
    if (list.length === 0) {
      process.stdout.write(`no sessions for ${args.user!}\n`);
      return EXIT.ok;
    }
    process.stdout.write(formatSessions(list));
    return EXIT.ok;
  }
  if (args.user !== undefined) {
    const count = await sessions.revokeUser(args.user);
    // A trusted browser would otherwise sign the person straight back in.
    const browsers = await devices.revokeUser(args.user);
    // And their personal tokens: a script of theirs would otherwise keep acting as them.
    const personal = await tokens.revokeUser(args.user);
    // And the browsers that would be asked to approve their sign-ins: a lost phone stops being asked.
    const pushed = await pushDevices.removeAll(args.user);
    const ended = `${count} session(s), ${browsers} trusted browser(s), ${personal} personal token(s) and ${pushed} push device(s)`;
    audit({ event: 'sessions_revoked', user: args.user, outcome: 'ok', reason: ended });
    let keys = '';
    if (args.credentials) {
      const removed = await credentials.removeAll(args.user);
      audit({ event: 'webauthn_removed', user: args.user, outcome: 'ok', reason: `${removed} removed by an admin` });
      keys = `, and removed ${removed} passkey(s)/security key(s)`;
    }
    process.stdout.write(`revoked ${ended} of ${args.user}${keys}\n`);
    return EXIT.ok;
  }
  const session = await sessions.find(args.id!);
  if (!session) {
    process.stderr.write('sessions: no session has that id (it may have ended already)\n');
    return EXIT.failed;
  }
  await sessions.revoke(session.id);
  audit({ event: 'sessions_revoked', user: session.user, outcome: 'ok', reason: 'one session, by its id' });
  process.stdout.write(`revoked session ${session.id} of ${session.user}\n`);
  return EXIT.ok;
}

/** One line per session; the admin asked, so ids are shown in full. */
export function formatSessions(sessions: readonly Session[]): string {
  const rows = sessions.map((s) => [
    s.id,
    s.user,
    new Date(s.createdAt).toISOString(),
    new Date(s.seenAt).toISOString(),
  ]);
  return formatTable(['ID', 'USER', 'CREATED', 'LAST SEEN'], rows);
}
