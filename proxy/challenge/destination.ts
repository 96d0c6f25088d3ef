// What the code page says about where a code went. For identities the directory does not know,
// a decoy that looks like a real masked number, stable per identifier, so the page never tells
// a registered person from an unknown one.
import type { Directory } from '../directory/types.js';
import { maskPhone } from '../directory/users-file.js';

export function describeDestination(phone: string): string {
  return maskPhone(phone);
}

/**
 * The number an unknown identity "sends to": the typed number when it is one, else one shaped
 * like a number from the directory (same country code and length), with digits derived from the
 * identifier so that asking twice gives the same. `typedPhone` is the identifier's own E.164
 * spelling when it is a number (Directory.lookup). Never shown unmasked; send limits count on it
 * so they treat unknown identities like real ones.
 */
export function decoyNumber(
  identifier: string,
  typedPhone: string | undefined,
  directory: Directory,
  digest: (s: string) => Buffer,
): string {
  if (typedPhone !== undefined) return typedPhone;
  const template = directory.all().find((u) => u.phone !== undefined)?.phone ?? '+15555550100';
  const bytes = digest(identifier.trim().toLowerCase());
  const tail = Array.from({ length: 4 }, (_, i) => String(bytes[i]! % 10)).join('');
  return template.slice(0, -4) + tail;
}
