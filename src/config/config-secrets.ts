// Every secret value a compiled config holds, for the logger to scrub from its lines. Listed by
// option, not guessed by pattern: a new secret option is added here beside its schema.
import type { SecretOptionPath } from '../shared/secret-files.js';
import type { ChannelConfig, GateConfig, StoreConfig } from './types.js';

/**
 * The secret options as the config file names them: each also takes a `<name>_file` twin
 * (`app_secret_file: /run/secrets/whatsapp`), and a list option a list of files. Every string
 * option takes `${file:/path}` too.
 */
export const SECRET_OPTIONS: readonly SecretOptionPath[] = [
  ['session', 'secrets'],
  ['totp', 'keys'],
  ['push', 'vapid_private_key'],
  ['store', 'url'],
  ['store', 'password'],
  ['store', 'sentinel', 'password'],
  ['channels', 'whatsapp', 'access_token'],
  ['channels', 'whatsapp', 'app_secret'],
  ['channels', 'whatsapp', 'verify_token'],
  ['channels', 'sms', 'auth_token'],
  ['channels', 'email', 'auth', 'password'],
  ['channels', 'email', 'dkim', 'private_key'],
  ['assertions', 'keys', '*', 'private_key'],
];

/** Shorter values are left alone: scrubbing "1" or "abc" from every line would hide more than it guards. */
const MIN_SECRET_LENGTH = 6;

/** Headers an HTTP SMS provider is given that describe the body, not who is calling. */
const PLAIN_HEADERS = new Set(['content-type', 'accept', 'user-agent']);

export function configSecrets(config: GateConfig): string[] {
  const all = [
    ...config.session.secrets,
    ...(config.totp?.keys ?? []),
    ...(config.push ? [config.push.vapid.privateKey] : []),
    ...(config.assertions?.keys.map((k) => k.privateKey) ?? []),
    ...storeSecrets(config.store),
    ...Object.values(config.channels).flatMap(channelSecrets),
  ];
  return [...new Set(all.filter((s) => s.length >= MIN_SECRET_LENGTH))];
}

function storeSecrets(store: StoreConfig): string[] {
  if (store.type !== 'redis') return [];
  const { address } = store;
  const fromUrl = address.kind === 'url' ? urlPassword(address.url) : undefined;
  const sentinel = address.kind === 'sentinel' ? address.sentinelPassword : undefined;
  return [store.password, fromUrl, sentinel].filter((s): s is string => s !== undefined);
}

function channelSecrets(channel: ChannelConfig): string[] {
  switch (channel.type) {
    case 'console':
      return [];
    case 'whatsapp':
      return [channel.accessToken, channel.appSecret, channel.verifyToken];
    case 'email':
      return [channel.auth?.password, channel.dkim?.privateKey].filter((s): s is string => s !== undefined);
    case 'sms':
      if (channel.provider === 'twilio') return [channel.authToken];
      return [
        ...Object.entries(channel.headers)
          .filter(([name]) => !PLAIN_HEADERS.has(name.toLowerCase()))
          .map(([, value]) => value),
        ...queryValues(channel.url),
        ...Object.values(channel.body ?? {}).filter((v): v is string => typeof v === 'string' && !v.includes('{{')),
      ];
  }
}

function urlPassword(url: string): string | undefined {
  try {
    const password = new URL(url).password;
    return password ? decodeURIComponent(password) : undefined;
  } catch {
    return undefined;
  }
}

/** Fixed query values of a provider URL (Vonage's api_secret, say); placeholders are not secrets. */
function queryValues(url: string): string[] {
  const query = url.indexOf('?');
  if (query < 0) return [];
  return [...new URLSearchParams(url.slice(query + 1)).values()].filter((v) => !v.includes('{{'));
}
