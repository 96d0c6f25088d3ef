// The config file as written (snake_case YAML keys), with defaults and per-option checks;
// compile-config.ts turns the parsed value into the runtime GateConfig.
import { isIP } from 'node:net';

import type { CountryCode } from 'libphonenumber-js';
import { isSupportedCountry } from 'libphonenumber-js';
import { z } from 'zod';

import { DURATION_PATTERN, parseDuration } from '../shared/duration.js';
import { UNIX_PEER } from '../shared/net/cidr.js';
import { parseNetworks } from '../shared/net/ip-networks.js';
import { appName } from './app-name.js';
import { assertionSchemasFor, checkAssertionSetup } from './assertion-schemas.js';
import { checkChannelTimes, checkFallbackLease } from './channel-checks.js';
import { channelSchemasFor } from './channel-schemas.js';
import {
  checkDeliveryRuleChannels,
  pumpingBreakerSchema,
  routingSchema,
  spendSchema,
} from './delivery-rules-schema.js';
import { emailChannelSchemaFor } from './email-channel-schema.js';
import { pushSchema } from './push-schema.js';
import { httpUrlRules, REDIS_URL, urlText } from './url-checks.js';
import { rpIdOutsiders, sharedDomain } from './webauthn-checks.js';

const TEN_MINUTES_MS = 10 * 60_000;

/** A duration such as "30s", "5m", "12h", "7d" or "1h30m"; kept as text here, compiled to ms later. */
export function durationSchema(options: { max?: { ms: number; text: string }; zero?: boolean } = {}) {
  const { max, zero = false } = options;
  return (
    z
      .string({ error: (iss) => (iss.input === undefined ? undefined : 'expected a duration like "5m"') })
      .refine((v) => parseDuration(v) !== undefined, { error: 'expected a duration like "5m", "1h30m" or "7d"' })
      .refine((v) => zero || (parseDuration(v) ?? 1) > 0, { error: 'must be longer than zero' })
      .refine((v) => !max || (parseDuration(v) ?? 0) <= max.ms, { error: `must be at most ${max?.text ?? ''}` })
      // The pattern is for editors via the JSON Schema; parseDuration above is what decides.
      .meta({
        description:
          'A duration: numbers with units d, h, m, s, ms, largest first, e.g. "30s", "5m", "1h30m", "300ms".',
        pattern: DURATION_PATTERN,
      })
  );
}

/** A duration, or 0 (a YAML number) for "off"; the duration first, so "soon" is told a duration's words. */
export function durationOrZeroSchema(options: { max?: { ms: number; text: string } } = {}) {
  return z.union([durationSchema({ ...options, zero: true }), z.literal(0)]);
}

// No regex flags: these patterns also go into the JSON Schema, which has none.
const HOST_LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?';
const HOST_NAME = `${HOST_LABEL}(?:\\.${HOST_LABEL})*`;
const APP_HOST = new RegExp(`^(?:\\*\\.)?${HOST_NAME}$`);
/** RFC 7230 token: what a header or cookie name may contain. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** The same parser policy `networks` use, so a range means one thing everywhere. */
function isAddressOrCidr(text: string): boolean {
  return parseNetworks([text]).errors.length === 0;
}

/** "unix:/run/otp-gate/gate.sock" (nginx's spelling): the socket's absolute path, else undefined. */
export function unixListen(text: string): string | undefined {
  return /^unix:\/[^\0]*[^/\0]$/.test(text) ? text.slice('unix:'.length) : undefined;
}

/** "0.0.0.0:8080", "127.0.0.1:0", "[::]:8080", "localhost:8080". */
export function splitListen(text: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):([0-9]{1,5})$/.exec(text);
  const host = m?.[1] ?? m?.[2];
  const port = Number(m?.[3]);
  if (host === undefined || !(port >= 0 && port <= 65535)) return undefined;
  if (m?.[1] !== undefined && isIP(host) !== 6) return undefined;
  return { host, port };
}

/** Text whose wrong-type message already says what form is expected ("got 8080" for listen). */
function text(expected: string) {
  return z.string({ error: (iss) => (iss.input === undefined ? undefined : `expected ${expected}`) });
}

/** A key or secret the operator makes up: long enough to be unguessable. */
const secretText = z
  .string()
  .min(32, { error: 'must be at least 32 characters long; generate one with: openssl rand -base64 48' });

const headerName = z.string().regex(TOKEN, { error: 'expected an HTTP header name like "Remote-User"' });

const { assertions: assertionsSchema, appAssertion: appAssertionSchema } = assertionSchemasFor(
  durationSchema,
  headerName,
);

export const DEFAULT_STRIP_HEADERS = [
  'X-Forwarded-User',
  'X-Auth-Request-User',
  'X-Auth-Request-Email',
  'X-Forwarded-Email',
  'X-Forwarded-Groups',
  'X-Remote-User',
] as const;

const serverSchema = z.strictObject({
  listen: text('"host:port", like "0.0.0.0:8080"')
    .refine((v) => splitListen(v) !== undefined || unixListen(v) !== undefined, {
      error: 'expected "host:port", like "0.0.0.0:8080" or "[::]:8080", or "unix:" and an absolute path',
    })
    .default('0.0.0.0:8080')
    .describe(
      'Address and port to listen on, or "unix:/path/to/gate.sock" for a Unix socket (a front proxy on this host).',
    ),
  socket_mode: text('octal permission bits, like "660"')
    .regex(/^[0-7]{3}$/, { error: 'expected octal permission bits, like "660"' })
    .default('660')
    .describe("The Unix socket's permission bits: who on this host may connect (the front proxy's user or group)."),
  public_url: urlText(httpUrlRules('https://gate.example.com'))
    .optional()
    .describe('How browsers and providers reach the gate.'),
  path_prefix: text('a path starting with "/"')
    .regex(/^\/[A-Za-z0-9._~-][A-Za-z0-9._~/-]*$/, { error: 'expected a path starting with "/", like "/_gate"' })
    .default('/_gate')
    .describe("Path prefix reserved for the gate's own pages."),
  trusted_proxies: z
    .array(
      z.string().refine((v) => v === UNIX_PEER || isAddressOrCidr(v), {
        error: 'expected an IP address or CIDR, like "10.0.0.0/8", or "unix"',
      }),
    )
    .default([])
    .describe('Peers whose X-Forwarded-* headers are believed; "unix" for the front proxy on the Unix socket.'),
  insecure_http: z.boolean().default(false).describe('Plain HTTP for development: cookies lose the Secure flag.'),
  max_form_bytes: z
    .number()
    .int()
    .min(1024)
    .max(1_048_576)
    .default(16_384)
    .describe("Largest body accepted on the gate's own forms, in bytes."),
  workers: z
    .union([z.number().int().min(1).max(256), z.literal('auto')])
    .default(1)
    .describe(
      'Processes serving on the one port (node:cluster); "auto" for one per core. More than 1 needs the redis store.',
    ),
  shutdown_timeout: durationSchema()
    .default('10s')
    .describe('On SIGTERM/SIGINT, how long in-flight requests and WebSockets may take to finish.'),
  watch_files: z
    .boolean()
    .default(true)
    .describe('Reload config, users and policies when the files change (SIGHUP always reloads).'),
  headers_timeout: durationSchema({ max: { ms: TEN_MINUTES_MS, text: '10m' } })
    .default('30s')
    .describe('A client must send its request headers within this, or the connection is closed (slow-header attacks).'),
  request_timeout: durationOrZeroSchema()
    .default(0)
    .describe(
      'A client must send its whole request, body included, within this; 0 for no limit, so long uploads to an app are never cut.',
    ),
  keep_alive_timeout: durationSchema({ max: { ms: TEN_MINUTES_MS, text: '10m' } })
    .default('5s')
    .describe(
      'An idle keep-alive connection is closed after this; behind a load balancer make it longer than its idle timeout.',
    ),
  max_connections: z
    .number()
    .int()
    .min(1)
    .default(10_000)
    .describe('Most client connections open at once (WebSockets included); further ones are closed at once.'),
});

const metricsSchema = z.strictObject({
  listen: text('"host:port", like "127.0.0.1:9464", or "off"')
    .refine((v) => v === 'off' || splitListen(v) !== undefined, {
      error: 'expected "host:port", like "127.0.0.1:9464", or "off"',
    })
    .default('127.0.0.1:9464')
    .describe('Where Prometheus metrics are served (GET /metrics), apart from the gate; "off" for none.'),
});

const appSchema = z.strictObject({
  host: text('a host name like "wiki.example.com"')
    .regex(APP_HOST, { error: 'expected a host name like "wiki.example.com" or "*.example.com" (no scheme, no port)' })
    .describe('Exact host or one-label wildcard "*.example.com".'),
  path_prefix: z
    .string()
    .regex(/^\/[^\s?#]*$/, { error: 'expected a path starting with "/", like "/wiki"' })
    .default('/')
    .describe('Only requests under this path belong to the app.'),
  upstream: urlText(httpUrlRules('http://10.0.0.5:8080')).describe('Where requests are forwarded.'),
  timeout: durationSchema().default('30s').describe("How long to wait for the upstream's response headers."),
  assertion: appAssertionSchema.optional(),
  name: z
    .string()
    .regex(/^[^\s,]+$/, { error: 'expected a name without spaces or commas, like "wiki"' })
    .optional()
    .describe(
      'What access tokens call this app (`otp-gate tokens create --apps wiki`). Absent = the host followed by any path prefix.',
    ),
  pass_authorization: z
    .boolean()
    .default(false)
    .describe(
      "Forward the Authorization header even when the gate read a token from it (for an app that checks its own). Off by default: the gate's token never reaches the app. Other Authorization headers are always forwarded.",
    ),
});

const appsSchema = z
  .array(appSchema)
  .min(1)
  .superRefine((apps, ctx) => {
    const seen = new Map<string, number>();
    apps.forEach((app, i) => {
      const key = `${app.host.toLowerCase()}${app.path_prefix.replace(/\/+$/, '')}`;
      const first = seen.get(key);
      if (first === undefined) seen.set(key, i);
      else
        ctx.addIssue({
          code: 'custom',
          path: [i, 'host'],
          input: app.host,
          message: `the same host and path prefix as apps[${first}]`,
        });
    });
    // Tokens name the apps they open: one name must mean one app.
    const named = new Map<string, number>();
    apps.forEach((app, i) => {
      const name = appName(app);
      const first = named.get(name);
      if (first === undefined) named.set(name, i);
      // Two unnamed apps share a name only where they share host and path, reported above.
      else if (app.name !== undefined || apps[first]!.name !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: [i, app.name === undefined ? 'host' : 'name'],
          input: name,
          message: `the app name "${name}" is also apps[${first}]'s; give one of them another name`,
        });
    });
  });

const sessionSchema = z.strictObject({
  cookie_name: z
    .string()
    .regex(TOKEN, { error: 'expected a cookie name (letters, digits, "_" and "-")' })
    .default('otp_gate')
    .describe('Name of the session cookie.'),
  domain: z
    .string()
    .regex(new RegExp(`^\\.?${HOST_NAME}$`), { error: 'expected a domain like "example.com"' })
    .optional()
    .describe('Cookie Domain, to share the session across subdomains; host-only when absent.'),
  secure: z.boolean().optional().describe('Secure cookie flag; defaults to true unless server.insecure_http.'),
  secrets: z.array(secretText).min(1).describe('Cookie signing keys: the first signs, all verify (for rotation).'),
  lifetime: durationSchema().default('12h').describe('Longest a session lasts.'),
  idle_timeout: durationSchema().default('1h').describe('A session unused this long ends.'),
  verified_cache: durationOrZeroSchema({ max: { ms: 5_000, text: '5s' } })
    .default('500ms')
    .describe(
      'How long an instance trusts a cookie it verified without asking the store again: a sign-out or revoke on another instance takes effect within this. 0 turns it off.',
    ),
});

const storeSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('memory'),
    max_entries: z
      .number()
      .int()
      .min(100)
      .default(250_000)
      .describe(
        'Most records kept in memory, in each of its four partitions (lockouts, limits, people, flows). The default holds 100,000 sessions of as many people; past it the oldest are signed out, with a warning in the log.',
      ),
  }),
  z
    .strictObject({
      type: z.literal('redis'),
      url: urlText(REDIS_URL)
        .optional()
        .describe('One Redis server: redis://[user:password@]host:port[/db], or rediss:// for TLS.'),
      sentinel: z
        .strictObject({
          master_name: z.string().min(1).describe('The name the Sentinels know the primary by.'),
          sentinels: z.array(redisNode('26379')).min(1).describe('Some of the Sentinels, "host:port".'),
          password: z.string().min(1).optional().describe("The Sentinels' own password, if they have one."),
          db: z.number().int().min(0).default(0).describe('Database number on the primary.'),
        })
        .optional()
        .describe('Redis Sentinel: the gate asks the Sentinels which server is the primary.'),
      cluster: z
        .strictObject({
          nodes: z
            .array(redisNode('6379'))
            .min(1)
            .describe('Some of the cluster nodes, "host:port"; the rest are discovered.'),
        })
        .optional()
        .describe('Redis Cluster.'),
      username: z.string().min(1).optional().describe('ACL user name (Redis 6+).'),
      password: z
        .string()
        .min(1)
        .optional()
        .describe('Redis password; use "${REDIS_PASSWORD}" to read it from the environment.'),
      tls: z
        .union([
          z.boolean(),
          z.strictObject({
            ca_file: z.string().min(1).optional().describe('PEM file of the CA that signed the server certificate.'),
            cert_file: z.string().min(1).optional().describe('Client certificate (PEM), for mutual TLS.'),
            key_file: z.string().min(1).optional().describe('Client key (PEM), for mutual TLS.'),
            server_name: z.string().min(1).optional().describe('Name to expect in the server certificate (SNI).'),
            reject_unauthorized: z
              .boolean()
              .default(true)
              .describe('Refuse servers whose certificate does not verify.'),
          }),
        ])
        .default(false)
        .describe('TLS to Redis: true, or the files to use; rediss:// URLs imply it.'),
      key_prefix: z.string().default('otp-gate:').describe('Prefix of every key the gate writes.'),
      command_timeout: durationSchema()
        .default('1s')
        .describe('A Redis command that takes longer fails, and the request is refused (fail closed).'),
    })
    .superRefine(oneRedisAddress),
]);

/** "host:port" of a Sentinel or cluster node. */
function redisNode(defaultPort: string) {
  return text(`"host:port", like "10.0.0.1:${defaultPort}"`).refine((v) => (splitListen(v)?.port ?? 0) > 0, {
    error: `expected "host:port", like "10.0.0.1:${defaultPort}"`,
  });
}

/** Exactly one way to reach Redis: a URL, Sentinels, or cluster nodes. */
function oneRedisAddress(store: { url?: string; sentinel?: object; cluster?: object }, ctx: z.RefinementCtx): void {
  const given = (['url', 'sentinel', 'cluster'] as const).filter((k) => store[k] !== undefined);
  if (given.length === 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['type'],
      input: 'redis',
      message: 'a redis store needs one of "url", "sentinel" or "cluster"',
    });
  }
  for (const extra of given.slice(1)) {
    ctx.addIssue({
      code: 'custom',
      path: [extra],
      input: store[extra],
      message: `give only one of "url", "sentinel" or "cluster"; "${given[0]}" is already set`,
    });
  }
}

const directorySchema = z.strictObject({
  file: z.string().min(1).describe('The users file, relative to this config file.'),
  default_country: z
    .string()
    .refine((v) => /^[A-Za-z]{2}$/.test(v) && isSupportedCountry(v.toUpperCase() as CountryCode), {
      error: 'expected a two-letter country code like "IT" or "US"',
    })
    .optional()
    .describe('Region for phone numbers written without "+".'),
});

const otpSchema = z.strictObject({
  length: z.number().int().min(6).max(10).default(6).describe('Digits in a code.'),
  ttl: durationSchema({ max: { ms: TEN_MINUTES_MS, text: '10m' } })
    .default('5m')
    .describe('How long a code is valid.'),
  max_attempts: z.number().int().min(1).max(20).default(5).describe('Wrong tries that end one code.'),
  resend_after: durationSchema()
    .default('30s')
    .describe(
      'Wait before Resend sends another code in the same sign-in; new sign-ins are bounded by the hourly caps.',
    ),
  max_sends_per_hour: z.number().int().min(1).default(5).describe('Codes per person per hour.'),
  max_sends_per_address_per_hour: z.number().int().min(1).default(20).describe('Codes per client address per hour.'),
  max_sends_per_network_per_hour: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe(
      'Codes per client network per hour (see network_bits_*); three times max_sends_per_address_per_hour when absent.',
    ),
  network_bits_ipv4: z
    .number()
    .int()
    .min(8)
    .max(32)
    .default(24)
    .describe('Leading bits of an IPv4 address that name its network for the network limit.'),
  network_bits_ipv6: z
    .number()
    .int()
    .min(16)
    .max(128)
    .default(64)
    .describe('Leading bits of an IPv6 address that name its network for the network limit.'),
  lockout_after: z.number().int().min(1).default(10).describe('Consecutive wrong codes before a lockout.'),
  lockout_duration: durationSchema().default('15m').describe('How long a lockout lasts.'),
  max_sends_per_destination_per_hour: z
    .number()
    .int()
    .min(1)
    .default(5)
    .describe('Codes per destination phone number per hour.'),
  max_sends_per_prefix_per_hour: z
    .number()
    .int()
    .min(1)
    .default(50)
    .describe('Codes per destination number prefix per hour (SMS pumping goes to number ranges).'),
  prefix_digits: z
    .number()
    .int()
    .min(2)
    .max(12)
    .default(6)
    .describe('Digits of the E.164 number (country code included) that form its prefix for the prefix limit.'),
  max_sends_per_hour_total: z
    .number()
    .int()
    .min(1)
    .default(1000)
    .describe('Codes the whole gate sends per hour: a global ceiling.'),
});

const { whatsapp: whatsappChannelSchema, sms: smsChannelSchema } = channelSchemasFor(durationSchema);

/** One schema per channel type; a channel's key under `channels:` names its type. */
export const channelSchemas = {
  console: z.strictObject({}).describe("Prints codes to the gate's output: for development only."),
  whatsapp: whatsappChannelSchema,
  sms: smsChannelSchema,
  email: emailChannelSchemaFor(durationSchema),
} as const;

const channelsSchema = z
  .strictObject(
    Object.fromEntries(Object.entries(channelSchemas).map(([k, s]) => [k, s.optional()])) as {
      [K in keyof typeof channelSchemas]: z.ZodOptional<(typeof channelSchemas)[K]>;
    },
  )
  .refine((c) => Object.values(c).some((v) => v !== undefined), {
    error: 'configure at least one channel',
    // Only when nothing else is wrong: a misspelt channel is already reported as unknown.
    when: (payload) => payload.issues.length === 0,
  });

const identityHeadersSchema = z.strictObject({
  user: headerName.default('Remote-User').describe('Header carrying the username.'),
  name: headerName.default('Remote-Name').describe("Header carrying the person's display name."),
  groups: headerName.default('Remote-Groups').describe('Header carrying the groups, comma-separated.'),
  strip: z
    .array(headerName)
    .default([...DEFAULT_STRIP_HEADERS])
    .describe('Client-sent headers removed before forwarding.'),
});

/** A locale file's name without ".yaml": en, it, zh-CN, pt-BR. */
const LOCALE_TAG = /^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/;
/** A logo the page can load: https/http URL, a path on the gate's host, or an image data URI. */
const LOGO_URL =
  /^(?:https?:\/\/[^\s"'<>]+|\/[^\s"'<>]*|data:image\/(?:png|gif|jpeg|webp|svg\+xml);base64,[A-Za-z0-9+/=]+)$/;

const pagesSchema = z
  .strictObject({
    default_locale: z
      .string()
      .regex(LOCALE_TAG, 'a language tag such as "en", "it" or "zh-CN"')
      .default('en')
      .describe("Language of the pages when neither the person's choice nor Accept-Language matches a locale file."),
    brand: z
      .strictObject({
        name: z.string().min(1).max(60).default('otp-gate').describe("Shown in the page title and as the logo's text."),
        logo_url: z
          .string()
          .max(100_000)
          .regex(LOGO_URL, 'an http(s) URL, a path starting with "/", or a data:image/...;base64, URI')
          .optional()
          .describe("Logo above the form: URL, path or data URI; its origin is added to the pages' CSP img-src."),
        accent_color: z
          .string()
          .regex(/^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/, 'a hex colour such as "#1f5fbf"')
          .optional()
          .describe('Buttons, links and focus outlines; pick one with at least 4.5:1 contrast to white.'),
      })
      .prefault({}),
    max_login_pages_per_address_per_minute: z
      .number()
      .int()
      .min(1)
      .default(120)
      .describe(
        'Times a client address may open the sign-in page per minute, per gate process; past it the answer is a short "too many" page (429).',
      ),
    max_login_pages_per_network_per_minute: z
      .number()
      .int()
      .min(1)
      .default(600)
      .describe('The same for all addresses of a client network (otp.network_bits_*) together.'),
  })
  .describe(
    'What people see on the challenge pages: language default, branding, and how often the sign-in page is shown.',
  );

const totpSchema = z
  .strictObject({
    issuer: z.string().min(1).max(60).default('otp-gate').describe('The name authenticator apps show above the code.'),
    keys: z
      .array(secretText)
      .min(1)
      .describe(
        'Keys that encrypt authenticator secrets in the store: the first encrypts, all decrypt (for rotation).',
      ),
    reauth_within: durationSchema()
      .default('5m')
      .describe('Setting the app up again or removing it needs a sign-in at most this long ago.'),
  })
  .describe('Authenticator apps (TOTP, RFC 6238) as a channel named "totp", with their enrolment page.');

const webauthnSchema = z
  .strictObject({
    rp_id: z
      .string()
      .regex(new RegExp(`^${HOST_NAME}$`), { error: 'expected a domain like "example.com" (no scheme, no port)' })
      .refine((v) => isIP(v) === 0, { error: 'an IP address cannot be an RP ID; use a domain like "example.com"' })
      .describe(
        'The relying party ID passkeys are bound to: a domain that every app host (and public_url) is, or is below, e.g. "example.com".',
      ),
    rp_name: z
      .string()
      .min(1)
      .max(60)
      .optional()
      .describe('The name the browser shows when adding a passkey; pages.brand.name when absent.'),
    attestation: z
      .enum(['none', 'direct'])
      .default('none')
      .describe(
        '"none" (the default) asks no proof of the authenticator\'s make; "direct" asks for it and records its format in the audit.',
      ),
    timeout: durationSchema({ max: { ms: 600_000, text: '10m' } })
      .default('2m')
      .describe('How long the browser waits for the person to touch their key or use their passkey.'),
  })
  .describe('Passkeys and security keys (WebAuthn) as a factor rules can ask for, and a channel named "webauthn".');

const accountSchema = z
  .strictObject({
    reauth_within: durationSchema()
      .default('5m')
      .describe('Adding or removing a factor or a token on the account page needs a sign-in at most this long ago.'),
  })
  .describe('The self-service account page (<path_prefix>/account) of a signed-in person.');

const approvalsSchema = z
  .strictObject({
    ttl: durationSchema({ max: { ms: 600_000, text: '10m' } })
      .default('2m')
      .describe(
        'How long a sign-in waits for approval from a phone (scan, WhatsApp reply, push): its QR code, link and number die after this.',
      ),
    prompts_per_minute: z
      .number()
      .int()
      .min(1)
      .max(60)
      .default(3)
      .describe(
        'The most approval attempts one person may be asked for in a minute (against prompt bombing: push fatigue, QR spam); more are refused with a wait.',
      ),
  })
  .describe(
    'Signing in without typing a code: with this section rules may list "scan" (a signed-in phone approves) and, with channels.whatsapp.business_number, "whatsapp_reply" (the person sends the gate a prefilled WhatsApp message). `approvals: {}` takes the defaults.',
  );

const fallbackSchema = z
  .strictObject({
    poll_interval: durationSchema({ max: { ms: 60_000, text: '1m' } })
      .default('500ms')
      .describe(
        'How often each instance looks in the store for fallback deadlines their sender did not act on (it stopped, restarted or stalled): such a fallback happens within this, plus 1 s, after its deadline.',
      ),
    lease: durationSchema({ max: { ms: TEN_MINUTES_MS, text: '10m' } })
      .default('30s')
      .describe(
        "How long an instance that claimed a deadline has to act on it before another may take it over: longer than any channel's timeout.",
      ),
  })
  .describe(
    'Fallback deadlines kept in the store (a WhatsApp code not delivered in time goes by SMS), so that exactly one instance acts on each, even when the one that sent the code is gone.',
  );
const deliveryFiguresSchema = z
  .strictObject({
    min_samples: z
      .number()
      .min(1)
      .default(20)
      .describe(
        'Fewest recent sends (weighted by age) a number prefix, a country or a channel needs before its figures are used; the page then says how long codes usually take, and an auto delivery_timeout follows them.',
      ),
    half_life: durationSchema()
      .default('2d')
      .describe("Age at which a day's deliveries count half: older days fade, and after 8 days they are dropped."),
  })
  .describe('What the gate learns from every delivery: time to "delivered", share delivered, share typed in.');

export const configSchema = z
  .strictObject({
    server: serverSchema.prefault({}),
    apps: appsSchema.describe('The web applications behind the gate.'),
    session: sessionSchema,
    store: storeSchema.prefault({ type: 'memory' }),
    directory: directorySchema,
    policies: z.array(z.string().min(1)).min(1).describe('Policy files or folders, in order.'),
    otp: otpSchema.prefault({}),
    channels: channelsSchema.prefault({ console: {} }),
    audit: z
      .strictObject({
        file: z.string().min(1).default('-').describe('"-" for standard output, "off", or a file path.'),
      })
      .prefault({}),
    log: z
      .strictObject({
        level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
      })
      .prefault({}),
    identity_headers: identityHeadersSchema.prefault({}),
    metrics: metricsSchema.prefault({}),
    templates: z
      .strictObject({
        dir: z
          .string()
          .min(1)
          .optional()
          .describe('Folder of page templates (and locales/<tag>.yaml texts); the shipped ones when absent.'),
      })
      .prefault({}),
    pages: pagesSchema.prefault({}),
    totp: totpSchema.optional(),
    webauthn: webauthnSchema.optional(),
    push: pushSchema.optional(),

    account: accountSchema.prefault({}),
    approvals: approvalsSchema.optional(),
    fallback: fallbackSchema.prefault({}),
    delivery_figures: deliveryFiguresSchema.prefault({}),
    assertions: assertionsSchema.optional(),
    routing: routingSchema.optional(),
    spend: spendSchema.optional(),
    pumping_breaker: pumpingBreakerSchema(durationSchema).optional(),
  })
  .superRefine(crossChecks, { when: () => true })
  .meta({ title: 'otp-gate configuration' });

/**
 * Checks that span sections. Runs even when other options are wrong (so every problem is
 * reported at once), hence it reads the value defensively.
 */
function crossChecks(value: unknown, ctx: z.RefinementCtx): void {
  const section = (name: string): Record<string, unknown> => {
    const v = (value as Record<string, unknown> | null)?.[name];
    return v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  };
  checkChannelTimes(section('channels'), section('otp'), ctx);
  checkFallbackLease(section('channels'), section('fallback'), ctx);
  if (section('session').secure === false && section('server').insecure_http !== true) {
    ctx.addIssue({
      code: 'custom',
      path: ['session', 'secure'],
      input: false,
      message: '"secure: false" is only allowed together with server.insecure_http: true (plain HTTP, for development)',
    });
  }
  checkServerTimeouts(section('server'), ctx);
  const root = value as Record<string, unknown> | null;
  checkAssertionSetup(
    root?.apps,
    root?.assertions === undefined ? undefined : section('assertions'),
    section('server').public_url,
    section('identity_headers'),
    ctx,
  );
  checkDeliveryRuleChannels(
    { routing: section('routing'), spend: section('spend'), channels: section('channels') },
    ctx,
  );
  checkRpId(value, section('webauthn').rp_id, ctx);
  if (root?.push !== undefined && root.approvals === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['push'],
      input: root.push,
      message:
        'a push notification opens an approval page: push needs the approvals: section too ("approvals: {}" takes its defaults)',
    });
  }
  const workers = section('server').workers;
  checkUnixListen(section('server'), ctx);
  if (workers !== undefined && workers !== 1 && section('store').type !== 'redis') {
    ctx.addIssue({
      code: 'custom',
      path: ['server', 'workers'],
      input: workers,
      message: `workers: ${String(workers)} needs store type "redis": with the memory store each worker would have its own sessions and codes`,
    });
  }
}

/**
 * A Unix socket's peers have no address: all of them are the front proxy that may open the file,
 * so its X-Forwarded-For must be believed ("unix" in trusted_proxies), or every client would count
 * as one address against the limits. One process listens on it (cluster workers would each
 * replace the others' socket file).
 */
function checkUnixListen(server: Record<string, unknown>, ctx: z.RefinementCtx): void {
  if (typeof server.listen !== 'string' || unixListen(server.listen) === undefined) return;
  const trusted = server.trusted_proxies;
  if (!Array.isArray(trusted) || !trusted.includes(UNIX_PEER))
    ctx.addIssue({
      code: 'custom',
      path: ['server', 'trusted_proxies'],
      input: trusted,
      message:
        'listen is a Unix socket: add "unix" to trusted_proxies, so the front proxy\'s X-Forwarded-For names each client',
    });
  if (server.workers !== undefined && server.workers !== 1)
    ctx.addIssue({
      code: 'custom',
      path: ['server', 'workers'],
      input: server.workers,
      message: 'one process listens on a Unix socket: use workers: 1, or several gates on several sockets',
    });
}

/** The RP ID covers every app host and public_url's host, or passkeys could not be used there. */
function checkRpId(value: unknown, rpId: unknown, ctx: z.RefinementCtx): void {
  if (typeof rpId !== 'string') return;
  const config = value as { apps?: unknown; server?: { public_url?: unknown } };
  const hosts = (Array.isArray(config.apps) ? config.apps : []).flatMap((app: unknown, i) => {
    const host = (app as { host?: unknown } | null)?.host;
    return typeof host === 'string' ? [{ host, option: `apps[${i}].host` }] : [];
  });
  const publicUrl = config.server?.public_url;
  if (typeof publicUrl === 'string' && URL.canParse(publicUrl))
    hosts.push({ host: new URL(publicUrl).hostname, option: 'server.public_url' });
  const outside = rpIdOutsiders(rpId, hosts);
  if (outside.length === 0) return;
  const shared = sharedDomain(hosts.map((h) => h.host));
  ctx.addIssue({
    code: 'custom',
    path: ['webauthn', 'rp_id'],
    input: rpId,
    message: `"${rpId}" does not cover ${outside.join(', ')}: browsers refuse passkeys for a host that is not the RP ID or below it${shared ? `; "${shared}" covers every host` : ''}`,
  });
}

/** Node refuses a headers timeout longer than the request timeout, which includes the headers. */
function checkServerTimeouts(server: Record<string, unknown>, ctx: z.RefinementCtx): void {
  const { headers_timeout: headers, request_timeout: request } = server;
  const headersMs = typeof headers === 'string' ? parseDuration(headers) : undefined;
  const requestMs = typeof request === 'string' ? parseDuration(request) : undefined;
  if (headersMs === undefined || requestMs === undefined || requestMs === 0 || requestMs >= headersMs) return;
  ctx.addIssue({
    code: 'custom',
    path: ['server', 'request_timeout'],
    input: request,
    message: `must be 0 or at least server.headers_timeout (${String(headers)}): it includes the time for the headers`,
  });
}

export type RawConfig = z.output<typeof configSchema>;
export type RawAppConfig = RawConfig['apps'][number];
