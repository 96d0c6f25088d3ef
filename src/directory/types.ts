// The user directory: who may sign in, how to reach them, and which groups they are in.

export interface User {
  /** Login name, lower-case. */
  username: string;
  /** Display name for Remote-Name and pages. */
  name: string;
  /** E.164, e.g. "+393331234567"; undefined when the user has no phone (TOTP-only later). */
  phone: string | undefined;
  /** Where the "email" channel sends codes; domain in lower case. Undefined when the user has none. */
  email?: string | undefined;
  groups: string[];
  /** Preferred channels in order, or empty for the rule's order. */
  channels: string[];
  /** PHC scrypt hash for the password factor, checked at load; absent when the user has no password. */
  passwordHash?: string;
}

export interface Directory {
  /** Finds a user by username (any case) or by phone number in any spelling. */
  find(identifier: string): User | undefined;
  /**
   * What a typed identifier names, and its E.164 spelling when it is a phone number. Parses the
   * number for every identifier, known or not, so a sign-in takes as long either way.
   */
  lookup(identifier: string): { user: User | undefined; phone: string | undefined };
  /** Every user, for admin commands and country allow-lists. */
  all(): readonly User[];
}
