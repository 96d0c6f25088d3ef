// E-mail addresses in the users file: which are accepted, and the masked form shown everywhere.
import { describe, expect, it } from 'vitest';

import { maskEmail, normaliseEmail } from '../../src/directory/email-address.js';
import { loadUsersFile } from '../../src/directory/users-file.js';
import { formatProblem } from '../../src/shared/problem.js';

describe('e-mail addresses', () => {
  it('keeps the mailbox as written and lower-cases the domain', () => {
    expect(normaliseEmail(' Alice.Rossi+gate@Example.IT ')).toBe('Alice.Rossi+gate@example.it');
  });

  it.each(['alice', 'alice@', '@example.com', 'alice@example..com', 'Alice <alice@example.com>', 'a b@example.com'])(
    'refuses %j',
    (text) => expect(normaliseEmail(text)).toBeUndefined(),
  );

  it('masks all of the mailbox but its first character, and shows the domain', () => {
    expect(maskEmail('alice.rossi@example.it')).toBe('a•••@example.it');
    expect(maskEmail('x@example.it')).toBe('x•••@example.it');
  });

  it('a users file gives each user their address, and reports a bad one masked at its line', () => {
    const good = loadUsersFile('users.yaml', 'users:\n  alice:\n    email: Alice@Example.org\n', {
      defaultCountry: undefined,
      env: {},
    });
    expect(good.directory?.find('alice')?.email).toBe('Alice@example.org');
    const bad = loadUsersFile('users.yaml', 'users:\n  alice:\n    email: "alice.rossi at example.org"\n', {
      defaultCountry: undefined,
      env: {},
    });
    const problems = bad.problems.map(formatProblem);
    expect(problems).toEqual(['users.yaml:3:12: e-mail address a••• is not valid (users.alice.email)']);
  });
});
