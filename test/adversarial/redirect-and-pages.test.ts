// Attacks on what the gate sends back: where it redirects after login and what its pages echo.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import type { AppConfig } from '../../src/config/types.js';
import { createAppMatcher } from '../../src/http/app-matcher.js';
import { safeReturnTo } from '../../src/pages/return-to.js';
import { browser, hiddenField, identify } from '../helpers/browser.js';
import { useGate } from '../helpers/gate.js';
import { FUZZ } from './fuzz-runs.js';

const apps: AppConfig[] = [
  {
    host: 'wiki.example.com',
    pathPrefix: '/',
    upstream: 'http://10.0.0.1',
    timeout: 1000,
    name: 'wiki',
    passAuthorization: false,
  },
  {
    host: '*.apps.example.com',
    pathPrefix: '/',
    upstream: 'http://10.0.0.2',
    timeout: 1000,
    name: 'apps',
    passAuthorization: false,
  },
];
const findApp = createAppMatcher(apps);
const ALLOWED = new Set(['wiki.example.com', 'git.apps.example.com', 'placeholder.invalid']);

const PIECES = [
  '/',
  '//',
  '\\',
  '/\\',
  'http:',
  'https:',
  'javascript:',
  'data:',
  '//evil.example',
  'evil.example',
  '@',
  ':',
  '%2f',
  '%2F',
  '%5c',
  '%09',
  '\t',
  '\n',
  '\r',
  ' ',
  '%20',
  '#',
  '?',
  '.',
  '..',
  'wiki.example.com',
  'git.apps.example.com',
  'apps.example.com.evil.example',
  '%00',
  '\u3002',
  '\uff0f',
  '\u2215',
  'evil。example',
  'ⓔvil.example',
  '0x7f000001',
  '[::1]',
  'user:pass@',
];
const candidate = fc.array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 8 }).map((p) => p.join(''));

/** Where a browser would actually go with this Location from a page on placeholder.invalid. */
function browserTarget(location: string): URL {
  return new URL(location, 'https://placeholder.invalid/somewhere');
}

describe('the return target after login', () => {
  it('is always a fronted host, whatever is asked for', () => {
    fc.assert(
      fc.property(candidate, (rd) => {
        const safe = safeReturnTo(rd, findApp);
        const url = browserTarget(safe);
        expect(ALLOWED.has(url.hostname), `${JSON.stringify(rd)} → ${JSON.stringify(safe)}`).toBe(true);
        expect(['http:', 'https:']).toContain(url.protocol);
        expect(url.username + url.password).toBe('');
      }),
      { seed: FUZZ.seed, numRuns: FUZZ.numRuns * 20 },
    );
  });

  it.each([
    '/\\evil.example',
    '/%5Cevil.example',
    '/\t/evil.example',
    'https://wiki.example.com@evil.example/',
    'https://evil.example\\@wiki.example.com/',
    'https://wiki.example.com.evil.example/',
    '//wiki.example.com@evil.example',
  ])('keeps %j home', (rd) => {
    expect(ALLOWED.has(browserTarget(safeReturnTo(rd, findApp)).hostname)).toBe(true);
  });
});

const env = useGate();

describe('what the pages echo', () => {
  const PAYLOADS = [
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    '{{csrf}}',
    '</form><form action=//evil>',
    'javascript:alert(1)',
  ];

  const MARKUP = PAYLOADS.filter((p) => /[<>"']/.test(p));

  it.each(MARKUP)('the identifier %j comes back escaped', async (payload) => {
    const agent = browser(env.gate);
    const page = await agent.get('/_gate/login').expect(200);
    const res = await agent
      .post('/_gate/login')
      .type('form')
      .send({ identifier: payload.padEnd(101, 'x'), rd: '/', csrf: hiddenField(page.text, 'csrf') });
    expect(res.text).not.toContain(payload);
    expect(res.text).not.toMatch(/<script>alert|<img src=x/);
  });

  it.each(PAYLOADS)('the return target %j is never written into a page unescaped', async (payload) => {
    const res = await browser(env.gate)
      .get(`/_gate/login?rd=${encodeURIComponent(payload)}`)
      .expect(200);
    expect(res.text).not.toContain(payload);
    expect(hiddenField(res.text, 'rd')).toBe('/');
  });

  it('a value that looks like a template tag is shown as text, not expanded', async () => {
    const agent = browser(env.gate);
    const page = await agent.get('/_gate/login').expect(200);
    const res = await agent
      .post('/_gate/login')
      .type('form')
      .send({ identifier: '{{csrf}}'.padEnd(101, 'x'), rd: '/', csrf: hiddenField(page.text, 'csrf') });
    expect(res.text).toContain('value="{{csrf}}x');
  });

  it('an unknown identity that looks like markup is not reflected raw on the code page', async () => {
    const { html } = await identify(browser(env.gate), '<b>bold</b>');
    expect(html).not.toContain('<b>bold</b>');
  });
});
