// Every secret value a compiled config holds, for the logger to scrub from its lines. Listed by
// option, not guessed by pattern: a new secret option is added here beside its schema.
import type { ChannelConfig, GateConfig, StoreConfig } from './types.js';

/** Shorter values are left alone: scrubbing "1" or "abc" from every line would hide more than it guards. */
const MIN_SECRET_LENGTH = 6;

/** Headers an HTTP SMS provider is given that describe the body, not who is calling. */
const PLAIN_HEADERS = new Set(['content-type', 'accept', 'user-agent']);

export function configSecrets(config: GateConfig): string[] {
  const all = [
    ...config.session.secrets,
    ...(config.totp?.keys ?? []),
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
