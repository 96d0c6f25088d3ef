// The users file as written: `users:` keyed by username, each with a name, phone, groups,
// e-mail address, preferred channels and a password hash. users-file.ts normalises it into a Directory.
import { z } from 'zod';

/** Letters, digits and . _ @ - : what people type as their login name. */
export const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._@-]*$/;

const userSchema = z.strictObject({
  name: z.string().min(1).optional().describe('Display name; the username when absent.'),
  phone: z
    .string({
      error: (iss) =>
        iss.input === undefined ? undefined : 'expected the phone number as text, like "+39 333 000 0001"',
    })
    .min(1)
    .optional()
    .describe('Phone number, international ("+39 …") or national with directory.default_country.'),
  email: z.string().min(1).optional().describe('E-mail address, where the "email" channel sends codes.'),
  groups: z.array(z.string().min(1)).default([]).describe('Groups the person belongs to.'),
  channels: z
    .array(z.string().min(1))
    .default([])
    .describe("Preferred channels in order; the rule's order when empty."),
  password: z
    .string()
    .min(1)
    .optional()
    .describe('Password hash (never the password) for the password factor, from `otp-gate hash-password`.'),
});

export const usersFileSchema = z
  .strictObject({
    users: z
      .record(
        z.string().regex(USERNAME, { error: 'is not a valid username: use letters, digits, ".", "_", "@" and "-"' }),
        userSchema,
      )
      .describe('Users by username.'),
  })
  .meta({ title: 'otp-gate users' });

export type RawUsersFile = z.output<typeof usersFileSchema>;
export type RawUser = RawUsersFile['users'][string];
