// People who signed in through open enrolment (issue 21): no users-file entry, named by their
// E.164 number, kept in the store with a display name, groups and first and last sign-in. A set
// indexes them so an admin can list them. Built on the Store like sessions, so every instance
// and `otp-gate users` see the same people.
import type { User } from '../directory/types.js';
import type { Clock } from '../shared/clock.js';
import type { Store } from '../store/store.js';
import { guardStore } from '../store/store.js';

export interface EnrolledPerson {
  /** E.164, the person's identity. */
  number: string;
  /** What they asked to be called; undefined until they say (the number is shown meanwhile). */
  name: string | undefined;
  groups: string[];
  firstSignIn: number;
  lastSignIn: number;
}

export interface EnrolledPeople {
  find(number: string): Promise<EnrolledPerson | undefined>;
  /**
   * Records a sign-in: a new person with `groups`, or one known before gaining any of `groups` they
   * lacked. `first` says whether this was their first sign-in.
   */
  signedIn(number: string, groups: readonly string[]): Promise<{ person: EnrolledPerson; first: boolean }>;
  /** Sets the display name; undefined when the person is not enrolled (removed meanwhile). */
  rename(number: string, name: string): Promise<EnrolledPerson | undefined>;
  /** Everyone enrolled, by first sign-in. */
  list(): Promise<EnrolledPerson[]>;
  /** Forgets a person; true when there was one. Their sessions are the caller's to end. */
  remove(number: string): Promise<boolean>;
}

/** Store.set needs a TTL; an enrolment should outlive any deployment, as authenticator enrolments do. */
const PERSON_TTL_MS = 10 * 365 * 86_400_000;
const INDEX_KEY = 'people:enrolled';
const personKey = (number: string) => `person:${number}`;

/** The longest display name kept: it is shown on pages and sent upstream as Remote-Name. */
export const MAX_DISPLAY_NAME = 60;

/** A person as the Store holds it; short keys, as every instance reads them. */
interface StoredPerson {
  n?: string;
  g: string[];
  f: number;
  l: number;
}

export function createEnrolledPeople(deps: { store: Store; clock: Clock }): EnrolledPeople {
  const { store, clock } = deps;

  async function find(number: string): Promise<EnrolledPerson | undefined> {
    const raw = await guardStore('loading an enrolled person', () => store.get(personKey(number)));
    return raw === undefined ? undefined : fromStored(number, raw);
  }

  async function save(person: EnrolledPerson): Promise<void> {
    await guardStore('saving an enrolled person', async () => {
      await store.set(personKey(person.number), toStored(person), PERSON_TTL_MS);
      await store.setAdd(INDEX_KEY, person.number, PERSON_TTL_MS);
    });
  }

  return {
    find,
    async signedIn(number, groups) {
      const now = clock.now();
      const known = await find(number);
      const person: EnrolledPerson = known
        ? { ...known, groups: [...new Set([...known.groups, ...groups])], lastSignIn: now }
        : { number, name: undefined, groups: [...groups], firstSignIn: now, lastSignIn: now };
      await save(person);
      return { person, first: known === undefined };
    },
    async rename(number, name) {
      const known = await find(number);
      if (!known) return undefined;
      const person = { ...known, name: displayName(name) };
      await save(person);
      return person;
    },
    async list() {
      const numbers = await guardStore('listing enrolled people', () => store.setMembers(INDEX_KEY));
      const people = await Promise.all(numbers.map(find));
      return people.filter((p) => p !== undefined).sort((a, b) => a.firstSignIn - b.firstSignIn);
    },
    async remove(number) {
      return guardStore('removing an enrolled person', async () => {
        const removed = await store.delete(personKey(number));
        await store.setRemove(INDEX_KEY, number);
        return removed;
      });
    },
  };
}

/** What a person typed as their name, as kept: no control or format characters, at most MAX_DISPLAY_NAME. */
function displayName(typed: string): string | undefined {
  return (
    typed
      .replace(/[\p{Cc}\p{Cf}]/gu, '')
      .trim()
      .slice(0, MAX_DISPLAY_NAME) || undefined
  );
}

/** An enrolled person as the rest of the gate sees a user: their number is both name and phone. */
export function enrolledUser(person: Pick<EnrolledPerson, 'number' | 'name' | 'groups'>): User {
  return {
    username: person.number,
    name: person.name ?? person.number,
    phone: person.number,
    groups: [...person.groups],
    channels: [],
  };
}

function toStored(p: EnrolledPerson): string {
  const stored: StoredPerson = {
    ...(p.name === undefined ? {} : { n: p.name }),
    g: p.groups,
    f: p.firstSignIn,
    l: p.lastSignIn,
  };
  return JSON.stringify(stored);
}

function fromStored(number: string, raw: string): EnrolledPerson {
  const r = JSON.parse(raw) as StoredPerson;
  return { number, name: r.n, groups: r.g, firstSignIn: r.f, lastSignIn: r.l };
}
