// The policy test cases file as written: requests and the decisions expected for them, run by
// `otp-gate policy-test` and replayed by `otp-gate policy-diff --cases`. Shape only; URLs,
// addresses, users and rule names are checked against the loaded gate by the command.
import { z } from 'zod';

import { factorsSchema, optionalDuration } from '../policy/policy-schema.js';

// As in policy files: upper-cased first, so "get" is fine.
const METHOD = /^[A-Z]+(?:-[A-Z]+)*$/;

export const caseRequestSchema = z
  .strictObject({
    url: z.string().min(1).describe('The absolute URL asked for: "https://wiki.example.com/admin/users?x=1".'),
    method: z
      .string()
      .toUpperCase()
      .regex(METHOD, { error: 'expected an HTTP method like "GET"' })
      .optional()
      .describe('HTTP method; default GET.'),
    ip: z.string().min(1).optional().describe('Client address as the gate sees it; default 127.0.0.1.'),
    user: z
      .string()
      .min(1)
      .optional()
      .describe('A username from the users file, signed in; absent = someone without a session.'),
    session_age: optionalDuration('How long ago the user signed in, e.g. "20m"; default 0s. Only with user.'),
    factors: factorsSchema
      .optional()
      .describe('What the user proved when signing in, e.g. [password, otp]; default [otp]. Only with user.'),
    token: z
      .string()
      .min(1)
      .optional()
      .describe('A service token by name (`otp-gate tokens create --name`) instead of a session; not with user.'),
    groups: z.array(z.string().min(1)).optional().describe("The service token's groups. Only with token."),
    via: z
      .enum(['bearer', 'basic'])
      .optional()
      .describe(
        'How a token is sent: "Authorization: Bearer" or as a Basic password. With token; with user, the user sends a personal token instead of a session cookie.',
      ),
  })
  .superRefine((request, ctx) => {
    const issue = (field: string, message: string) => ctx.addIssue({ code: 'custom', path: [field], message });
    if (request.token !== undefined && request.user !== undefined)
      issue('token', 'give a token or a user, not both: a service token is nobody from the users file');
    if (request.groups !== undefined && request.token === undefined)
      issue('groups', "groups needs a token: a user's groups come from the users file");
    if (request.via !== undefined && request.token === undefined && request.user === undefined)
      issue('via', 'via needs a token or a user: it says how their token is sent');
    if (request.token !== undefined && (request.session_age !== undefined || request.factors !== undefined))
      issue('token', 'a token has no session: leave out session_age and factors');
    if (request.factors !== undefined && request.user === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['factors'],
        message: 'factors needs a user: without one the request has no session',
      });
    }
    if (request.session_age !== undefined && request.user === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['session_age'],
        message: 'session_age needs a user: without one the request has no session',
      });
    }
  });

export const OUTCOMES = ['pass', 'challenge', 'deny', 'not_found'] as const;

export const caseExpectSchema = z
  .strictObject({
    rule: z
      .string()
      .min(1)
      .nullable()
      .optional()
      .describe('Name of the rule that decides; null (~) for "no rule matched" (default deny).'),
    action: z.enum(['bypass', 'deny', 'challenge']).optional().describe("The deciding rule's action."),
    channels: z
      .array(z.string().min(1))
      .optional()
      .describe("challenge: the channels a code goes to, in order (the rule's, or every configured one)."),
    session_lifetime: optionalDuration('challenge: how long a sign-in lasts under the deciding rule, e.g. "1h".'),
    factors: factorsSchema
      .optional()
      .describe('challenge: what the deciding rule asks a person to prove, e.g. [password, otp].'),
    outcome: z
      .enum(OUTCOMES)
      .optional()
      .describe(
        "What happens to this request: pass (forwarded), challenge (asked to sign in: no session, a session older than the rule's session_lifetime or max_session_age, or one lacking a factor the rule requires), deny (a deny rule, no rule, or a signed-in user the rule does not admit), not_found (no app serves the host: 404).",
      ),
  })
  .refine((expect) => Object.values(expect).some((v) => v !== undefined), {
    error: 'expect must name at least one of rule, action, channels, session_lifetime, factors, outcome',
  });

export const policyCaseSchema = z.strictObject({
  name: z.string().min(1).optional().describe('Shown when the case fails; "case <n>" when absent.'),
  request: caseRequestSchema,
  expect: caseExpectSchema
    .optional()
    .describe('What the gate should decide; policy-diff ignores it. Required by policy-test.'),
});

export const policyCasesFileSchema = z
  .strictObject({
    cases: z.array(policyCaseSchema).min(1).describe('Requests and the decisions expected for them, checked in order.'),
  })
  .meta({ title: 'otp-gate policy test cases' });

export type PolicyCasesFile = z.infer<typeof policyCasesFileSchema>;
export type PolicyCaseInput = z.infer<typeof policyCaseSchema>;
export type CaseExpect = z.infer<typeof caseExpectSchema>;
