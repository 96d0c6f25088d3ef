// `otp-gate tokens create|list|revoke`: service tokens for scripts and monitors (and a look at, or
// an end to, people's personal tokens) on the store the gates share. The secret is printed once,
// on stdout alone, so `TOKEN=$(otp-gate tokens create …)` keeps it out of the terminal's scrollback.
import type { LoadedGate } from '../config/types.js';
import type { AccessToken, Tokens } from '../session/tokens.js';
import { createTokens, TokenNameTaken } from '../session/tokens.js';
import { systemClock } from '../shared/clock.js';
import { formatDuration, parseDuration } from '../shared/duration.js';
import { EXIT, formatTable, UsageError } from './output.js';
import type { AdminAudit } from './shared-store.js';
import { withSharedStore } from './shared-store.js';

export const DEFAULT_TOKEN_LIFETIME = '90d';
/** What a service token's name may be: it appears in rules, headers and audit lines. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export type TokensArgs =
  | { action: 'create'; config: string; name: string; apps: string[]; groups: string[]; lifetimeMs: number }
  | { action: 'list'; config: string; user: string | undefined }
  | { action: 'revoke'; config: string; which: string; user: string | undefined };

export function tokensArgs(
  action: TokensArgs['action'],
  values: Readonly<Record<string, string | undefined>>,
  operands: readonly string[],
): TokensArgs {
  const config = values.config!;
  if (action === 'list') return { action, config, user: values.user };
  if (action === 'revoke') return { action, config, which: operands[0]!, user: values.user };
  const name = values.name!;
  if (!NAME.test(name))
    throw new UsageError(
      `--name "${name}": use letters, digits, ".", "_" and "-" (at most 64), starting with a letter or digit`,
    );
  const expires = values.expires ?? DEFAULT_TOKEN_LIFETIME;
  const lifetimeMs = parseDuration(expires);
  if (lifetimeMs === undefined || lifetimeMs <= 0)
    throw new UsageError(`--expires "${expires}" is not a duration like "90d" or "12h"`);
  return { action, config, name, apps: list(values.apps), groups: list(values.groups), lifetimeMs };
}

const list = (text: string | undefined) =>
  (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

export function runTokens(args: TokensArgs): Promise<number> {
  return withSharedStore('tokens', args.config, 'no token was touched', (store, gate, audit) => {
    const tokens = createTokens({ store, clock: systemClock, verifiedCacheMs: 0 });
    switch (args.action) {
      case 'create':
        return create(tokens, gate, args, audit);
      case 'list':
        return show(tokens, args.user);
      case 'revoke':
        return revoke(tokens, args.which, args.user, audit);
    }
  });
}

/** A token event as the account page records it, by id and name, never its secret. */
const tokenEvent = (event: 'token_created' | 'token_revoked', t: AccessToken) =>
  ({ event, user: t.user, outcome: 'ok', tokenId: t.id, token: t.name }) as const;

async function create(
  tokens: Tokens,
  gate: LoadedGate,
  args: Extract<TokensArgs, { action: 'create' }>,
  audit: AdminAudit,
) {
  const known = gate.config.apps.map((a) => a.name);
  const unknown = args.apps.filter((a) => !known.includes(a));
  if (args.apps.length === 0 || unknown.length > 0) {
    const what = unknown.length > 0 ? `no app is named ${unknown.map((a) => `"${a}"`).join(', ')}` : '--apps is empty';
    process.stderr.write(`tokens: ${what}; the apps are: ${known.join(', ')}\n`);
    return EXIT.usage;
  }
  // Upstream, the token acts under its name (Remote-User): it must not pass for a person.
  if (gate.directory.find(args.name)) {
    process.stderr.write(`tokens: "${args.name}" is a user in the users file; give the token another name\n`);
    return EXIT.usage;
  }
  try {
    const { token, text } = await tokens.create({
      kind: 'service',
      name: args.name,
      user: undefined,
      apps: args.apps,
      groups: args.groups,
      lifetimeMs: args.lifetimeMs,
    });
    audit(tokenEvent('token_created', token));
    process.stdout.write(`${text}\n`);
    process.stderr.write(
      `created service token "${token.name}" (id ${token.id}) for ${token.apps.join(', ')}` +
        `${token.groups.length ? `, groups ${token.groups.join(', ')}` : ''}, expiring ${iso(token.expiresAt)} ` +
        `(in ${formatDuration(args.lifetimeMs)}). The token above is shown only now: keep it in a secret store; send it as "Authorization: Bearer <token>".\n`,
    );
    return EXIT.ok;
  } catch (err) {
    if (!(err instanceof TokenNameTaken)) throw err;
    process.stderr.write(`tokens: ${err.message}\n`);
    return EXIT.failed;
  }
}

async function show(tokens: Tokens, user: string | undefined) {
  const found = await tokens.list(user);
  if (found.length === 0) {
    process.stdout.write(user === undefined ? 'no service tokens\n' : `no personal tokens of ${user}\n`);
    return EXIT.ok;
  }
  process.stdout.write(formatTokens(found));
  return EXIT.ok;
}

async function revoke(tokens: Tokens, which: string, user: string | undefined, audit: AdminAudit) {
  const token = (await tokens.list(user)).find((t) => t.name === which || t.id === which);
  if (!token) {
    const whose = user === undefined ? 'service token' : `personal token of ${user}`;
    process.stderr.write(`tokens: no ${whose} is named or has the id "${which}" (see otp-gate tokens list)\n`);
    return EXIT.failed;
  }
  await tokens.revoke(token.id);
  audit(tokenEvent('token_revoked', token));
  process.stdout.write(`revoked ${token.kind} token "${token.name}" (id ${token.id})\n`);
  return EXIT.ok;
}

/** One line per token; never its secret, which the store does not have. */
export function formatTokens(tokens: readonly AccessToken[]): string {
  return formatTable(
    ['ID', 'NAME', 'OWNER', 'APPS', 'GROUPS', 'CREATED', 'EXPIRES'],
    tokens.map((t) => [
      t.id,
      t.name,
      t.user ?? '(service)',
      t.apps.join(','),
      t.groups.join(',') || '-',
      iso(t.createdAt),
      iso(t.expiresAt),
    ]),
  );
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
