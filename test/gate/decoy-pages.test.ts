// With users from several countries, the code page for an unknown name shows a masked number
// shaped like one of the real users' (country code, grouping), never a shape no user has.
import { describe, expect, it } from 'vitest';

import { browser, identify } from '../helpers/browser.js';
import { useGate } from '../helpers/gate.js';

const env = useGate({
  users: `users:
  marco: { phone: "+39 333 000 0001" }
  ann: { phone: "+1 202 555 0101" }
  bo: { phone: "+1 202 555 0102" }
  li: { phone: "+86 131 2345 6789" }
`,
});

/** The masked number on a code page, its last digits masked too. */
async function shownShape(identifier: string): Promise<string> {
  const { html } = await identify(browser(env.gate), identifier);
  const shown = /\+\d+ [•\d\s-]+\d/.exec(html)?.[0];
  if (!shown) throw new Error(`no masked number on the page for ${identifier}`);
  return shown.replace(/\d+$/, (d) => '#'.repeat(d.length));
}

describe('unknown names on the code page', () => {
  it('show masked numbers of the shapes the real users have, from more than one country', async () => {
    const known = new Set(await Promise.all(['marco', 'ann', 'li'].map(shownShape)));
    const unknown = await Promise.all(Array.from({ length: 24 }, (_, i) => shownShape(`nobody-${i}`)));
    for (const s of unknown) expect(known).toContain(s);
    expect(new Set(unknown).size).toBeGreaterThan(1);
  });
});
