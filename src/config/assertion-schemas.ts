// The `assertions:` section (signing keys for the JWT sent upstream) and an app's `assertion:`
// choice, as written. schema.ts passes its duration and header-name schemas in (no import cycle);
// compile-config.ts turns them into AssertionsConfig / AppAssertionConfig.
import type { z as Z } from 'zod';
import { z } from 'zod';

import { JWT_ALGORITHMS, readSigningKey } from '../shared/jwt.js';
import type { durationSchema as DurationSchema } from './schema.js';
import { httpUrlRules, urlText } from './url-checks.js';

export const KEY_STATUSES = ['active', 'next', 'retired'] as const;
export const ASSERTION_MODES = ['beside', 'instead'] as const;
export const DEFAULT_ASSERTION_HEADER = 'Remote-Assertion';

export function assertionSchemasFor(durationSchema: typeof DurationSchema, headerName: Z.ZodString) {
  const key = z
    .strictObject({
      kid: z
        .string()
        .regex(/^[A-Za-z0-9._-]{1,64}$/, { error: 'expected a key id of letters, digits, ".", "_" and "-"' })
        .describe('Key id: named in each JWT header and in the JWKS, so verifiers pick the right key.'),
      algorithm: z.enum(JWT_ALGORITHMS).describe('EdDSA (an Ed25519 key) or ES256 (a P-256 EC key).'),
      private_key: z
        .string()
        .min(1)
        .describe(
          'The PEM private key; write "${file:/run/secrets/jwt.pem}" or use private_key_file to read it from a file.',
        ),
      status: z
        .enum(KEY_STATUSES)
        .default('active')
        .describe(
          'active: signs and is published; next: published only, so verifiers have it before it signs; retired: neither.',
        ),
    })
    .superRefine((k, ctx) => {
      const read = readSigningKey(k.private_key, k.algorithm);
      if (!read.ok) ctx.addIssue({ code: 'custom', path: ['private_key'], input: '', message: read.reason });
    });

  const assertions = z
    .strictObject({
      issuer: urlText(httpUrlRules('https://gate.example.com'))
        .optional()
        .describe('The "iss" claim; server.public_url when absent.'),
      lifetime: durationSchema({ max: { ms: 3_600_000, text: '1h' } })
        .default('2m')
        .describe('How long one assertion is valid ("exp"); the gate reuses it for half of that, then signs anew.'),
      keys: z.array(key).min(1).superRefine(oneActiveKey).describe('Signing keys, for rotation by "kid".'),
    })
    .describe('Signed JWTs (assertions) sent upstream to apps that ask for one with assertion:, and their keys.');

  const appAssertion = z
    .strictObject({
      mode: z
        .enum(ASSERTION_MODES)
        .default('beside')
        .describe('beside: the JWT and the identity headers; instead: the JWT alone.'),
      header: headerName
        .default(DEFAULT_ASSERTION_HEADER)
        .describe('Header carrying the JWT; "Authorization" sends "Bearer <jwt>" there instead.'),
      audience: z
        .string()
        .min(1)
        .optional()
        .describe('The "aud" claim; the app\'s host (and path prefix) when absent.'),
    })
    .describe("Send this app a signed JWT of the person's identity (needs the assertions: section).");

  return { assertions, appAssertion };
}

/** One key signs; kids are unique, so a verifier never has two keys to choose from. */
function oneActiveKey(keys: ReadonlyArray<{ kid: string; status: string }>, ctx: Z.RefinementCtx): void {
  const kids = new Map<string, number>();
  let active: number | undefined;
  keys.forEach((k, i) => {
    const first = kids.get(k.kid);
    if (first !== undefined)
      ctx.addIssue({ code: 'custom', path: [i, 'kid'], input: k.kid, message: `the same kid as keys[${first}]` });
    else kids.set(k.kid, i);
    if (k.status !== 'active') return;
    if (active !== undefined)
      ctx.addIssue({
        code: 'custom',
        // The key, not its status: an unwritten status is active by default and has no line of its own.
        path: [i],
        input: k.status,
        message: `keys[${active}] is already active: one key signs; mark the other "next" or "retired"`,
      });
    else active = i;
  });
  if (active === undefined && keys.length > 0)
    ctx.addIssue({
      code: 'custom',
      path: [],
      input: keys,
      message: 'no key is active: mark the one that signs "status: active"',
    });
}

/** Apps that ask for an assertion need keys and an issuer. Reads defensively: runs when other options are wrong. */
export function checkAssertionSetup(
  apps: unknown,
  assertions: Record<string, unknown> | undefined,
  publicUrl: unknown,
  identityHeaders: Record<string, unknown>,
  ctx: Z.RefinementCtx,
): void {
  if (!Array.isArray(apps)) return;
  const wanting = apps.flatMap((app: unknown, i) =>
    app !== null && typeof app === 'object' && (app as Record<string, unknown>).assertion !== undefined ? [i] : [],
  );
  if (wanting.length === 0) return;
  for (const i of wanting) checkHeaderName(apps[i] as Record<string, unknown>, i, identityHeaders, ctx);
  if (!assertions) {
    for (const i of wanting)
      ctx.addIssue({
        code: 'custom',
        path: ['apps', i, 'assertion'],
        input: undefined,
        message: 'an assertion needs signing keys: add an "assertions:" section with keys',
      });
    return;
  }
  if (assertions.issuer === undefined && publicUrl === undefined)
    ctx.addIssue({
      code: 'custom',
      path: ['assertions'],
      input: undefined,
      message: 'the "iss" claim needs a URL: set assertions.issuer or server.public_url',
    });
}

/** Headers the gate sets or the request needs: an assertion written over one of them would lose one or the other. */
const TAKEN = ['Host', 'Cookie'];
const IDENTITY_DEFAULTS = { user: 'Remote-User', name: 'Remote-Name', groups: 'Remote-Groups' };

function checkHeaderName(
  app: Record<string, unknown>,
  i: number,
  identityHeaders: Record<string, unknown>,
  ctx: Z.RefinementCtx,
): void {
  const header = (app.assertion as Record<string, unknown> | null)?.header;
  if (typeof header !== 'string') return;
  const taken = [
    ...TAKEN,
    ...Object.entries(IDENTITY_DEFAULTS).map(([k, d]) =>
      typeof identityHeaders[k] === 'string' ? identityHeaders[k] : d,
    ),
  ];
  const clash = taken.find((t) => t.toLowerCase() === header.toLowerCase());
  if (clash)
    ctx.addIssue({
      code: 'custom',
      path: ['apps', i, 'assertion', 'header'],
      input: header,
      message: `"${clash}" already carries something else; name another header, like "Remote-Assertion"`,
    });
}
