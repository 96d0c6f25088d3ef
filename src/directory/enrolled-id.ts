// How an enrolled person (open enrolment by phone, issue 21) is named: by their E.164 number.
// Usernames in the users file cannot start with "+", so the two never collide; logs and the
// audit trail show such a name masked, as they show every phone number.
import { maskPhone } from './users-file.js';

/** Whether a session's or a challenge's user is an enrolled person's number rather than a username. */
export function isEnrolledId(user: string): boolean {
  return user.startsWith('+');
}

/** A user's name as logs and the audit trail may carry it: an enrolled person's number masked. */
export function loggableUser(user: string): string;
export function loggableUser(user: string | undefined): string | undefined;
export function loggableUser(user: string | undefined): string | undefined {
  return user !== undefined && isEnrolledId(user) ? maskPhone(user) : user;
}
