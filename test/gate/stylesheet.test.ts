// The pages' stylesheet: one static file under a content-hashed URL (the brand colour in it: see
// page-languages.test.ts), and pages with no inline style, so the CSP needs no nonce and nothing
// in a page is per request but its form values.
import { createHash } from 'node:crypto';

import request from 'supertest';
import { describe, expect, it } from 'vitest';

import { useGate } from '../helpers/gate.js';

const html = { Accept: 'text/html' };
const LINK = /<link rel="stylesheet" href="\/_gate\/assets\/gate\.css\?v&#61;([0-9a-f]{12})">/;

describe('the stylesheet', () => {
  const env = useGate();

  it('is linked from every page under a URL that names a hash of its text, and may be kept a year', async () => {
    const page = await request(env.gate.url).get('/_gate/login').set(html).expect(200);
    const version = LINK.exec(page.text)?.[1];
    const sheet = await request(env.gate.url).get(`/_gate/assets/gate.css?v=${version}`).expect(200);
    expect(sheet.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(sheet.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(createHash('sha256').update(sheet.text).digest('hex').slice(0, 12)).toBe(version);
  });

  it('leaves no inline style in the pages, and the CSP allows only the gate’s own stylesheet', async () => {
    const page = await request(env.gate.url).get('/_gate/logout').set(html).expect(200);
    expect(page.text).not.toMatch(/<style|style=|nonce/);
    expect(page.headers['content-security-policy']).toContain("style-src 'self';");
    expect(page.headers['content-security-policy']).not.toMatch(/nonce|unsafe-inline/);
  });
});
