// The policy file as written: `rules:`, each a strict object. Shape only; globs, networks,
// methods, channels and cross-option rules are checked by compilePolicy, which knows the config.
import { z } from 'zod';

import { DURATION_PATTERN } from '../shared/duration.js';
import type { RawRule } from './types.js';

// An empty list is refused rather than read as "any" or "none": leaving the option out means any.
const list = (description: string) => z.array(z.string().min(1)).min(1).optional().describe(description);

// No regex flags: the pattern also goes into the JSON Schema. Upper-cased first, so "get" is fine.
const METHOD = /^[A-Z]+(?:-[A-Z]+)*$/;

/** An optional duration written in a policy or a policy test case ("30m", "12h", "1h30m"). */
export const optionalDuration = (description: string) =>
  z
    .string()
    .regex(new RegExp(DURATION_PATTERN), { error: 'expected a duration like "30m", "12h" or "1h30m"' })
    .optional()
    .describe(description);

/** What a person proves, as rules and test cases list it. */
export const factorsSchema = z.array(z.enum(['password', 'otp', 'webauthn', 'passkey'])).min(1);

export const ruleSchema = z.strictObject({
  name: z.string().min(1).optional().describe('Shown by explain and in audit lines; "<file>#<n>" when absent.'),
  hosts: list(
    'Host globs: "wiki.example.com", "*.example.com" (one label), "**.example.com" (any depth, and the domain itself), "*" (any). Absent = any host.',
  ),
  paths: list(
    'Path globs on the decoded, normalised path, never the query: "/health", "/admin/**", "/**/*.css". Absent = any path.',
  ),
  methods: z
    .array(z.string().toUpperCase().regex(METHOD, { error: 'expected an HTTP method like "GET"' }))
    .min(1)
    .optional()
    .describe('HTTP methods, e.g. ["GET", "HEAD"]. Absent = any method.'),
  networks: list('Client networks: CIDRs ("10.0.0.0/8", "2001:db8::/32") or single addresses. Absent = any address.'),
  action: z
    .enum(['bypass', 'deny', 'challenge'])
    .describe('bypass: forward with no sign-in; deny: refuse; challenge: require a one-time code.'),
  users: list(
    'challenge only: users who may pass (any listed user or member of a listed group). Absent with groups = any known user.',
  ),
  groups: list('challenge only: groups whose members may pass.'),
  channels: list(
    'challenge only: channels to send the code over, in order of preference; "scan", "whatsapp_reply" and "push" listed first let a phone approve the sign-in before any code is sent. Absent = every configured channel that sends a code.',
  ),
  session_lifetime: optionalDuration(
    'challenge only: how long a sign-in under this rule lasts, e.g. "1h". Absent = session.lifetime.',
  ),
  factors: factorsSchema
    .optional()
    .describe(
      'challenge only: what a person must prove: ["otp"] (a one-time code, the default), ["password", "otp"] (password first, then a code), ["webauthn"] or ["password", "webauthn"] (a passkey or security key instead of a code: phishing-resistant), or ["passkey"] (a passkey with fingerprint, face or PIN alone: passwordless).',
    ),
  require: z
    .enum(['phishing_resistant'])
    .optional()
    .describe(
      'challenge only: "phishing_resistant" asks for a passkey or security key (webauthn) where the rule would take a code; a session signed in with a code is asked again (step-up).',
    ),
  max_session_age: optionalDuration(
    'challenge only: step-up. A session whose factors were proven longer ago than this is asked again (keeping the request), e.g. "10m". Absent = only the session lifetime.',
  ),
  trusted_device: optionalDuration(
    'challenge only: offer "trust this browser" for this long (e.g. "30d"); a browser trusted within it skips the one-time code here. Absent = never offered, never honoured.',
  ),
  enrol: z
    .strictObject({
      countries: list('Countries whose numbers may enrol, as ISO 3166 codes: ["IT", "CN"].'),
      prefixes: list(
        'Number prefixes that may enrol, "+" and digits: ["+3933"]. A number matching either list may enrol.',
      ),
      groups: list('Groups an enrolled person is in: what rules admit them by.'),
    })
    .optional()
    .describe(
      'challenge only: open enrolment by phone. Anyone who proves a number from these countries or prefixes signs in as that number (E.164), without a users-file entry, and is kept in the store with the groups listed.',
    ),
  tokens: list(
    'challenge only: service tokens (by name, from `otp-gate tokens create`) this rule admits, sent as "Authorization: Bearer". A service token whose groups include one in `groups` is admitted too.',
  ),
  basic: z
    .boolean()
    .optional()
    .describe(
      'challenge only: let CLI clients (git, curl -u, WebDAV) send a token as a Basic password: the username and one of their personal tokens, never the account password. Default false.',
    ),
});

export const policyFileSchema = z
  .strictObject({
    rules: z
      .array(ruleSchema)
      .describe(
        'Evaluated in order across files (file names sorted); the first rule that matches decides; no match is deny.',
      ),
  })
  .meta({ title: 'otp-gate policy' });

export type RawPolicyFile = z.infer<typeof policyFileSchema>;
export type RawRuleInput = z.infer<typeof ruleSchema>;

// Compile-time proof that what the schema yields is what compilePolicy takes.
const _assignable = (rule: RawRuleInput): RawRule => rule;
void _assignable;
