// `otp-gate users list|remove|promote`: the people open enrolment let in (issue 21), against the
// store the gates share. Removing one ends their sessions everywhere; promoting one prints the
// users-file entry to add, which the admin pastes where it belongs (the file is never rewritten,
// so its comments and order stay the admin's).
import { stringify } from 'yaml';

import type { EnrolledPerson } from '../challenge/enrolled-people.js';
import { createEnrolledPeople } from '../challenge/enrolled-people.js';
import type { LoadedGate } from '../config/types.js';
import type { Directory } from '../directory/types.js';
import { maskPhone, normalisePhone } from '../directory/users-file.js';
import { USERNAME } from '../directory/users-schema.js';
import { createSessions } from '../session/sessions.js';
import { createSigner } from '../session/signer.js';
import { createTrustedDevices } from '../session/trusted-devices.js';
import { systemClock } from '../shared/clock.js';
import type { Store } from '../store/store.js';
import { EXIT, formatTable, UsageError } from './output.js';
import type { AdminAudit } from './shared-store.js';
import { withSharedStore } from './shared-store.js';

export type UsersArgs =
  | { action: 'list'; config: string; json: boolean; showNumbers: boolean }
  | { action: 'remove'; config: string; number: string }
  | { action: 'promote'; config: string; number: string; id: string };

/** The run's arguments from the command line's options and operands. */
export function usersArgs(
  action: UsersArgs['action'],
  values: Readonly<Record<string, string | undefined>>,
  operands: readonly string[],
): UsersArgs {
  const config = values.config!;
  if (action === 'list')
    return { action, config, json: values.json === 'true', showNumbers: values['show-numbers'] === 'true' };
  const number = operands[0]!;
  if (action === 'remove') return { action, config, number };
  const id = values.id!;
  if (!USERNAME.test(id))
    throw new UsageError(`--id "${id}" is not a username: use letters, digits, ".", "_", "@" and "-"`);
  return { action, config, number, id };
}

export function runUsers(args: UsersArgs): Promise<number> {
  return withSharedStore('users', args.config, 'nobody was touched', async (store, gate, audit) => {
    const people = createEnrolledPeople({ store, clock: systemClock });
    if (args.action === 'list') {
      const list = await people.list();
      process.stdout.write(
        args.json
          ? JSON.stringify(
              list.map((p) => listed(p, gate.directory, args.showNumbers)),
              null,
              2,
            ) + '\n'
          : formatPeople(list, gate.directory, args.showNumbers),
      );
      return EXIT.ok;
    }
    const number = normalisePhone(args.number, gate.config.defaultCountry);
    const person = number === undefined ? undefined : await people.find(number);
    if (!person) {
      process.stderr.write(`users: nobody is enrolled with the number ${shown(args.number)}\n`);
      return EXIT.failed;
    }
    return args.action === 'remove' ? remove(store, gate, person, audit) : promote(gate.directory, person, args.id);
  });
}

/** The number as a message may show it: masked when it is a number at all. */
function shown(typed: string): string {
  return /^\+?[\d\s().-]+$/.test(typed) ? maskPhone(typed.trim()) : JSON.stringify(typed);
}

/** Forgets the person and ends what they signed in with, unless the number is a users-file user's now. */
async function remove(store: Store, gate: LoadedGate, person: EnrolledPerson, audit: AdminAudit): Promise<number> {
  const { config } = gate;
  await createEnrolledPeople({ store, clock: systemClock }).remove(person.number);
  const masked = maskPhone(person.number);
  const owner = gate.directory.find(person.number);
  const removed = (reason: string) => audit({ event: 'person_removed', user: person.number, outcome: 'ok', reason });
  if (owner) {
    removed(`the number is "${owner.username}" in the users file now; their sessions stay`);
    // Their sessions are the users-file user's from now on: ending them would sign that user out.
    process.stdout.write(
      `forgot the enrolment of ${masked}; the number is "${owner.username}" in the users file now\n`,
    );
    return EXIT.ok;
  }
  const signer = createSigner(config.session.secrets);
  const sessions = await createSessions({ store, signer, clock: systemClock, config: config.session }).revokeUser(
    person.number,
  );
  // A trusted browser would otherwise sign the person straight back in.
  const browsers = await createTrustedDevices({ store, signer, clock: systemClock }).revokeUser(person.number);
  removed(`ended ${sessions} session(s) and ${browsers} trusted browser(s)`);
  process.stdout.write(`removed ${masked}: ended ${sessions} session(s) and ${browsers} trusted browser(s)\n`);
  return EXIT.ok;
}

/** Prints the users-file entry that makes the person a user named `id`, keeping their name and groups. */
function promote(directory: Directory, person: EnrolledPerson, id: string): number {
  const owner = directory.find(person.number);
  if (owner) {
    process.stderr.write(`users: ${maskPhone(person.number)} is "${owner.username}" in the users file already\n`);
    return EXIT.failed;
  }
  if (directory.find(id)) {
    process.stderr.write(`users: "${id}" is a user in the users file already; choose another --id\n`);
    return EXIT.failed;
  }
  const entry = { [id]: { name: person.name ?? id, phone: person.number, groups: person.groups } };
  const yaml = stringify(entry, {
    defaultStringType: 'QUOTE_DOUBLE',
    defaultKeyType: 'PLAIN',
    flowCollectionPadding: false,
  });
  process.stdout.write(yaml.replace(/^/gm, '  '));
  process.stderr.write(
    `Add these lines under "users:" in the users file. From the next reload the number signs in as "${id}" ` +
      `(sessions it has stay, as ${id}); then \`otp-gate users remove\` forgets the enrolment.\n`,
  );
  return EXIT.ok;
}

interface Listed {
  number: string;
  name: string | null;
  groups: string[];
  first_sign_in: string;
  last_sign_in: string;
  /** The users-file user the number belongs to now, after a promotion. */
  user: string | null;
}

function listed(p: EnrolledPerson, directory: Directory, showNumbers: boolean): Listed {
  return {
    number: showNumbers ? p.number : maskPhone(p.number),
    name: p.name ?? null,
    groups: p.groups,
    first_sign_in: new Date(p.firstSignIn).toISOString(),
    last_sign_in: new Date(p.lastSignIn).toISOString(),
    user: directory.find(p.number)?.username ?? null,
  };
}

/** One line per person, numbers masked unless asked; "-" where there is nothing. */
export function formatPeople(people: readonly EnrolledPerson[], directory: Directory, showNumbers = false): string {
  if (people.length === 0) return 'nobody is enrolled\n';
  const rows = people.map((p) => {
    const l = listed(p, directory, showNumbers);
    return [l.number, l.name ?? '-', l.groups.join(',') || '-', l.first_sign_in, l.last_sign_in, l.user ?? '-'];
  });
  return formatTable(['NUMBER', 'NAME', 'GROUPS', 'FIRST SIGN-IN', 'LAST SIGN-IN', 'USER'], rows);
}
