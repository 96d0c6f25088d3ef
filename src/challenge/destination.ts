// What the code page says about where a code went. For identities the directory does not know,
// a decoy that looks like a real masked number (or e-mail address), stable per identifier, so the
// page never tells a registered person from an unknown one.
import type { CountryCode } from 'libphonenumber-js';
import { getExampleNumber } from 'libphonenumber-js';
import examples from 'libphonenumber-js/mobile/examples';

import { maskEmail, normaliseEmail } from '../directory/email-address.js';
import type { Directory } from '../directory/types.js';
import { maskPhone } from '../directory/users-file.js';

export function describeDestination(phone: string): string {
  return maskPhone(phone);
}

/** Shown for an unknown name when the directory has no phone numbers and no default country. */
const FALLBACK_TEMPLATE = '+15555550100';

const phonesByDirectory = new WeakMap<Directory, readonly string[]>();

/** Every number in the directory, worked out once per loaded directory (a reload makes a new one). */
function directoryPhones(directory: Directory): readonly string[] {
  let phones = phonesByDirectory.get(directory);
  if (!phones) {
    phones = directory.all().flatMap((u) => (u.phone === undefined ? [] : [u.phone]));
    phonesByDirectory.set(directory, phones);
  }
  return phones;
}

/**
 * The number an unknown identity "sends to": the typed number when it is one, else one shaped
 * like a number from the directory, with digits derived from the identifier so that asking
 * twice gives the same. The shape (country code, length) comes from a user picked by the
 * identifier, so unknown names show the directory's own mix of countries: a decoy from one
 * fixed country would tell every other country's names apart (issue 25). With no numbers in
 * the directory, the default country's example mobile number gives the shape. `typedPhone` is
 * the identifier's own E.164 spelling when it is a number (Directory.lookup). Never shown
 * unmasked; send limits count on it so they treat unknown identities like real ones.
 */
export function decoyNumber(
  identifier: string,
  typedPhone: string | undefined,
  directory: Directory,
  digest: (s: string) => Buffer,
  defaultCountry?: string,
): string {
  if (typedPhone !== undefined) return typedPhone;
  const bytes = digest(identifier.trim().toLowerCase());
  const phones = directoryPhones(directory);
  const template = phones.length > 0 ? phones[bytes.readUInt32BE(4) % phones.length]! : exampleNumber(defaultCountry);
  const tail = Array.from({ length: 4 }, (_, i) => String(bytes[i]! % 10)).join('');
  return template.slice(0, -4) + tail;
}

function exampleNumber(country: string | undefined): string {
  return (country && getExampleNumber(country as CountryCode, examples)?.number) || FALLBACK_TEMPLATE;
}

/** The masked address the page shows when the code goes by e-mail ("a•••@example.com"). */
export function describeEmailDestination(address: string): string {
  return maskEmail(address);
}

const domainsByDirectory = new WeakMap<Directory, readonly string[]>();

/** The domain of every address in the directory, once per loaded directory. */
function directoryDomains(directory: Directory): readonly string[] {
  let domains = domainsByDirectory.get(directory);
  if (!domains) {
    domains = directory
      .all()
      .flatMap((u) => (u.email === undefined ? [] : [u.email.slice(u.email.lastIndexOf('@') + 1)]));
    domainsByDirectory.set(directory, domains);
  }
  return domains;
}

/** Shown for an unknown name when no one in the directory has an e-mail address. */
const FALLBACK_DOMAIN = 'example.com';

/**
 * The address an unknown identity "sends to": the typed address when it is one, else one that
 * starts like the identifier (as mailboxes often match login names) at the domain of a user
 * picked by the identifier, so unknown names show the directory's own mix of domains. Only its
 * masked form is ever shown.
 */
export function decoyEmail(identifier: string, directory: Directory, digest: (s: string) => Buffer): string {
  const typed = normaliseEmail(identifier);
  if (typed !== undefined) return typed;
  const name = identifier.trim().toLowerCase();
  const domains = directoryDomains(directory);
  const domain = domains.length > 0 ? domains[digest(name).readUInt32BE(0) % domains.length]! : FALLBACK_DOMAIN;
  return `${[...name][0] ?? 'x'}x@${domain}`;
}
