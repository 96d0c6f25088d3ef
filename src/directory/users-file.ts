// Reads the users file into a Directory: usernames lower-cased, phones normalised to E.164,
// duplicates, bad numbers and bad password hashes reported at their line without ever showing
// a full number or any part of a hash.
import type { CountryCode } from 'libphonenumber-js';
import { parsePhoneNumberFromString } from 'libphonenumber-js';

import type { Problem } from '../shared/problem.js';
import { formatPath, loadYaml } from '../shared/yaml-file.js';
import { maskEmail, normaliseEmail } from './email-address.js';
import { parsePasswordHash } from './password-hash.js';
import type { Directory, User } from './types.js';
import { usersFileSchema } from './users-schema.js';

export interface UsersFileOptions {
  /** Region for numbers written without "+", e.g. "IT". */
  defaultCountry: string | undefined;
  env: NodeJS.ProcessEnv;
  /** Configured channel names; when given, a user's channels must be among them. */
  channels?: readonly string[];
}

export interface LoadedUsers {
  /** Undefined when the file has errors. */
  directory: Directory | undefined;
  problems: Problem[];
}

/** E.164 ("+393331234567") for any spelling of a valid number, else undefined. */
export function normalisePhone(input: string, defaultCountry: string | undefined): string | undefined {
  // libphonenumber says "not a number" by throwing an error it catches itself; capturing that
  // error's stack, never read, was half the cost of parsing every name typed into the sign-in page.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    const parsed = parsePhoneNumberFromString(input.trim(), {
      defaultCountry: defaultCountry as CountryCode | undefined,
      // The whole text must be the number: "call +39 333…" is not a phone field.
      extract: false,
    });
    return parsed?.isValid() ? parsed.number : undefined;
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
}

/** "+39 ••• ••• 4567": country code and last four digits, the rest hidden in national grouping. */
export function maskPhone(e164: string): string {
  const parsed = parsePhoneNumberFromString(e164);
  const text = parsed?.formatInternational() ?? e164;
  const head = parsed ? `+${parsed.countryCallingCode}` : '+';
  const rest = text.startsWith(head) ? text.slice(head.length) : text;
  const total = rest.replace(/\D/g, '').length;
  let seen = 0;
  const masked = rest.replace(/\d/g, (d) => (++seen > total - 4 ? d : '•'));
  return head + masked;
}

export function loadUsersFile(file: string, text: string, options: UsersFileOptions): LoadedUsers {
  const loaded = loadYaml(file, text, usersFileSchema, options.env, {
    // Keeps "+393330000001" as written instead of the integer 393330000001.
    yamlSchema: 'failsafe',
  });
  if (!loaded.value) return { directory: undefined, problems: loaded.problems };
  const problems = [...loaded.problems];
  const byName = new Map<string, string>();
  const byPhone = new Map<string, string>();
  const users: User[] = [];
  for (const [key, raw] of Object.entries(loaded.value.users)) {
    const username = key.toLowerCase();
    const clash = byName.get(username);
    if (clash !== undefined) {
      const at = loaded.locateKey(['users', key]);
      const message = `username "${key}" is the same as "${clash}": usernames ignore case`;
      problems.push({ file, ...at, path: formatPath(['users', key]), message, severity: 'error' });
      continue;
    }
    byName.set(username, key);
    const phone = raw.phone === undefined ? undefined : normalisePhone(raw.phone, options.defaultCountry);
    if (raw.phone !== undefined && phone === undefined) {
      problems.push(loaded.problemAt(['users', key, 'phone'], invalidPhoneMessage(raw.phone, options.defaultCountry)));
    } else if (phone !== undefined) {
      const owner = byPhone.get(phone);
      if (owner !== undefined) {
        problems.push(
          loaded.problemAt(
            ['users', key, 'phone'],
            `phone number ${maskPhone(phone)} is already the phone of "${owner}"`,
          ),
        );
      } else {
        byPhone.set(phone, username);
      }
    }
    raw.channels.forEach((channel, i) => {
      if (options.channels && !options.channels.includes(channel)) {
        const known = options.channels.map((c) => `"${c}"`).join(', ') || 'none';
        problems.push(
          loaded.problemAt(['users', key, 'channels', i], `unknown channel "${channel}" (configured: ${known})`),
        );
      }
    });
    const user: User = { username, name: raw.name ?? key, phone, groups: raw.groups, channels: raw.channels };
    if (raw.email !== undefined) {
      user.email = normaliseEmail(raw.email);
      if (user.email === undefined)
        problems.push(
          loaded.problemAt(['users', key, 'email'], `e-mail address ${maskEmail(raw.email.trim())} is not valid`),
        );
    }
    if (raw.password !== undefined) {
      const hash = parsePasswordHash(raw.password);
      if (!hash.ok) problems.push(loaded.problemAt(['users', key, 'password'], `password ${hash.problem}`));
      user.passwordHash = raw.password;
    }
    users.push(user);
  }
  const failed = problems.some((p) => p.severity === 'error');
  return { directory: failed ? undefined : createDirectory(users, options.defaultCountry), problems };
}

/** Says what is wrong with a number while showing at most its last two digits. */
function invalidPhoneMessage(input: string, defaultCountry: string | undefined): string {
  const digits = input.replace(/\D/g, '');
  const which = digits.length > 4 ? `phone number ending in ${digits.slice(-2)}` : 'phone number';
  if (!input.trim().startsWith('+') && !input.trim().startsWith('00') && !defaultCountry) {
    return `${which} has no country code: write it as "+<country code> …" or set directory.default_country`;
  }
  return `${which} is not a valid number`;
}

const E164 = /^\+\d+$/;

/** A Directory over already-validated users; lookups by username (any case) or any phone spelling. */
export function createDirectory(users: readonly User[], defaultCountry: string | undefined): Directory {
  const byName = new Map(users.map((u) => [u.username, u]));
  const byPhone = new Map<string, User>();
  for (const u of users) if (u.phone) byPhone.set(u.phone, u);
  const list = Object.freeze([...users]);
  const byPhoneText = (text: string) => {
    const phone = normalisePhone(text, defaultCountry);
    return { phone, user: phone === undefined ? undefined : byPhone.get(phone) };
  };
  return {
    find(identifier) {
      const text = identifier.trim();
      // A username skips the number parsing (sessions name their user on every request), and so
      // does a number already in E.164, its own canonical spelling (an enrolled person's session).
      if (E164.test(text)) return byPhone.get(text);
      return byName.get(text.toLowerCase()) ?? (/\d/.test(text) ? byPhoneText(text).user : undefined);
    },
    lookup(identifier) {
      const text = identifier.trim();
      const typed = byPhoneText(text);
      return { user: byName.get(text.toLowerCase()) ?? typed.user, phone: typed.phone };
    },
    all: () => list,
  };
}
