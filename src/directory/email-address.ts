// E-mail addresses in the users file: a plain check of their shape (the SMTP server is the judge
// of whether a mailbox exists) and the masked form pages, logs and audit lines show.

/**
 * One "@", no spaces or angle brackets, a domain of dot-separated labels. Not RFC 5322's full
 * grammar (quoted local parts, comments): addresses people type into a users file.
 */
const ADDRESS =
  /^[^\s@<>()",;:\\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

/** The address with its domain in lower case (the local part is the mailbox's own business), else undefined. */
export function normaliseEmail(input: string): string | undefined {
  const text = input.trim();
  if (!ADDRESS.test(text)) return undefined;
  const at = text.lastIndexOf('@');
  return text.slice(0, at + 1) + text.slice(at + 1).toLowerCase();
}

/**
 * "a•••@example.com": the first character of the mailbox and the whole domain, as a phone keeps
 * its country code and last digits. The length of the mailbox is not shown.
 */
export function maskEmail(address: string): string {
  const at = address.lastIndexOf('@');
  const first = [...address][0] ?? '';
  return at < 0 ? `${first}•••` : `${first}•••${address.slice(at)}`;
}
