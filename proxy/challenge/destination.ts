// What the code page says about where a code went. For identities the directory does not know,
// a decoy that looks like a real masked number, stable per identifier, so the page never tells
// a registered person from an unknown one.
import type { Directory } from '../directory/types.js';
import { maskPhone, normalisePhone } from '../directory/users-file.js';

export function describeDestination(phone: string): string {
  return maskPhone(phone);
}

export function decoyDestination(
  identifier: string,
  defaultCountry: string | undefined,
  directory: Directory,
  digest: (s: string) => Buffer,
): string {
  const typed = normalisePhone(identifier, defaultCountry);
  if (typed !== undefined) return maskPhone(typed);
  // Shape the decoy like a number from the directory (same country code and length), with
  // digits derived from the identifier so that asking twice shows the same thing.
  const template = directory.all().find((u) => u.phone !== undefined)?.phone ?? '+15555550100';
  const bytes = digest(identifier.trim().toLowerCase());
  const tail = Array.from({ length: 4 }, (_, i) => String(bytes[i]! % 10)).join('');
  return maskPhone(template.slice(0, -4) + tail);
}
