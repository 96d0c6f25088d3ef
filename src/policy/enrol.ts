// Open enrolment by phone (issue 21): a rule's `enrol:` names the countries and number prefixes
// whose owners may sign in without a users-file entry, and the groups they get. Compiled once
// here; `mayEnrol` is the pure test a sign-in asks of a typed number.
import { isSupportedCountry, parsePhoneNumberFromString } from 'libphonenumber-js';

import type { EnrolRule, RawEnrol } from './types.js';

type Report = (option: string, message: string, severity?: 'error' | 'warning') => void;

/** "+" and 1 to 15 digits: the start of an E.164 number, country code first. */
const PREFIX = /^\+\d{1,15}$/;

export function compileEnrol(raw: RawEnrol | undefined, report: Report): EnrolRule | undefined {
  if (raw === undefined) return undefined;
  const countries = new Set<string>();
  (raw.countries ?? []).forEach((written, i) => {
    const code = written.toUpperCase();
    if (!isSupportedCountry(code))
      report(`enrol.countries[${i}]`, `"${written}" is not a country code: write ISO 3166 codes like "IT" or "CN"`);
    else countries.add(code);
  });
  const prefixes: string[] = [];
  (raw.prefixes ?? []).forEach((written, i) => {
    const prefix = written.replace(/[\s-]/g, '');
    if (!PREFIX.test(prefix))
      report(`enrol.prefixes[${i}]`, `"${written}" is not a number prefix: write "+" and digits, like "+3933"`);
    else prefixes.push(prefix);
  });
  // Enrolment open to every number on earth is what SMS pumping feeds on: it must be narrowed.
  if (raw.countries === undefined && raw.prefixes === undefined)
    report('enrol', 'enrol needs countries or prefixes (or both): which numbers may enrol');
  return { countries, prefixes, groups: [...new Set(raw.groups ?? [])] };
}

/** Whether a valid E.164 number may enrol: its country is listed, or it starts with a listed prefix. */
export function mayEnrol(enrol: EnrolRule, e164: string): boolean {
  for (const prefix of enrol.prefixes) if (e164.startsWith(prefix)) return true;
  if (enrol.countries.size === 0) return false;
  const country = parsePhoneNumberFromString(e164)?.country;
  return country !== undefined && enrol.countries.has(country);
}

/** For explain: "enrols numbers from IT, CN or starting +3933 into groups [guests]". */
export function enrolText(enrol: EnrolRule): string {
  const from = [...enrol.countries, ...enrol.prefixes.map((p) => `starting ${p}`)].join(', ');
  const into = enrol.groups.length ? `into groups [${enrol.groups.join(', ')}]` : 'into no group';
  return `enrols numbers from ${from || '(nowhere)'} ${into}`;
}
