// Whether the WebAuthn RP ID covers every host a ceremony can run on. A browser refuses a passkey
// ceremony on a page whose host is not the RP ID or below it, so an app host it does not cover
// could never sign in with a passkey: that is a config error, found before the gate starts.

/** The host names the ceremony may run on: each app host (a "*." wildcard stands for its base), and public_url's host. */
export function rpIdOutsiders(rpId: string, hosts: readonly { host: string; option: string }[]): string[] {
  const id = rpId.toLowerCase();
  return hosts
    .filter(({ host }) => {
      const base = host.toLowerCase().replace(/^\*\./, '');
      return base !== id && !base.endsWith(`.${id}`);
    })
    .map(({ host, option }) => `${option} "${host}"`);
}

/** The RP ID the config should probably name instead: the longest domain all hosts share, if any. */
export function sharedDomain(hosts: readonly string[]): string | undefined {
  const labels = hosts.map((h) => h.toLowerCase().replace(/^\*\./, '').split('.').reverse());
  const first = labels[0];
  if (!first) return undefined;
  let n = 0;
  while (n < first.length && labels.every((l) => l[n] === first[n])) n++;
  return n === 0 ? undefined : first.slice(0, n).reverse().join('.');
}
