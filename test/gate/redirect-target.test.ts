import { describe, expect, it } from 'vitest';

import { browser, signIn } from '../helpers/browser.js';
import { useGate } from '../helpers/gate.js';

const env = useGate({});

const ATTACKS = [
  '//evil.example',
  '///evil.example',
  '/\\evil.example',
  '\\\\evil.example',
  'https://evil.example/',
  'http://evil.example',
  'https:evil.example',
  '//evil.example@127.0.0.1',
  'https://127.0.0.1@evil.example/',
  'https://user:pass@wiki.apps.test/',
  'javascript:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  '/\t/evil.example',
  '/\n/evil.example',
  ' //evil.example',
  'https://wiki.apps.test.evil.example/',
  'https://evil.example\\.apps.test/',
  '%2F%2Fevil.example',
  '/%2F%2Fevil.example/../..',
  'ftp://wiki.apps.test/',
];

describe('the redirect after login', () => {
  it.each(ATTACKS)('never leaves the fronted hosts for %j', async (rd) => {
    const res = await signIn(env.gate, browser(env.gate), 'alice', rd);
    expect(res.status).toBe(303);
    const location = res.headers.location as string;
    const resolved = new URL(location, 'http://127.0.0.1/');
    expect(['127.0.0.1', 'wiki.apps.test']).toContain(resolved.hostname);
    expect(location.startsWith('//')).toBe(false);
  });

  it('returns to a path on the same host', async () => {
    const res = await signIn(env.gate, browser(env.gate), 'alice', '/reports/q3?year=2026');
    expect(res.headers.location).toBe('/reports/q3?year=2026');
  });

  it('returns to another host the gate fronts', async () => {
    const res = await signIn(env.gate, browser(env.gate), 'alice', 'https://wiki.apps.test/page');
    expect(res.headers.location).toBe('https://wiki.apps.test/page');
  });
});
