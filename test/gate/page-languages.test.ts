// The gate's pages in the person's language: Accept-Language, the page's switch (?lang= and its
// cookie), the configured default, error pages and JSON, and the language cookie kept from the app.
import request from 'supertest';
import { describe, expect, it } from 'vitest';

import { useGate } from '../helpers/gate.js';

const html = { Accept: 'text/html' };

describe('page language', () => {
  const env = useGate();

  it('follows Accept-Language and sets <html lang>', async () => {
    const res = await request(env.gate.url)
      .get('/_gate/login')
      .set('Accept-Language', 'it-IT,it;q=0.9,en;q=0.8')
      .expect(200);
    expect(res.text).toContain('<html lang="it">');
    expect(res.text).toContain('Accedi per continuare');
    expect(res.headers.vary).toMatch(/accept-language/i);
  });

  it('serves Simplified Chinese for zh-Hans', async () => {
    const res = await request(env.gate.url).get('/_gate/login').set('Accept-Language', 'zh-Hans').expect(200);
    expect(res.text).toContain('<html lang="zh-CN">');
    expect(res.text).toContain('登录以继续');
  });

  it('remembers a language picked with ?lang= in a cookie, over Accept-Language', async () => {
    const picked = await request(env.gate.url).get('/_gate/login?lang=zh-CN').set('Accept-Language', 'en').expect(200);
    const cookie = (picked.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('otp_gate_lang='));
    expect(cookie).toMatch(/^otp_gate_lang=zh-CN; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Lax/);
    const later = await request(env.gate.url)
      .get('/_gate/login')
      .set('Cookie', 'otp_gate_lang=zh-CN')
      .set('Accept-Language', 'en')
      .expect(200);
    expect(later.text).toContain('<html lang="zh-CN">');
  });

  it('offers every language as a link to the same page, keeping where the person was going', async () => {
    const res = await request(env.gate.url).get('/_gate/login?rd=%2Freports%3Fq%3D1').expect(200);
    expect(res.text).toContain(
      'href="/_gate/login?rd&#61;%2Freports%3Fq%3D1&amp;lang&#61;it" lang="it" hreflang="it">Italiano</a>',
    );
    expect(res.text).toContain('<span aria-current="true" lang="en">English</span>');
  });

  it("shows error pages in the person's language", async () => {
    const res = await request(env.gate.url).get('/_gate/nowhere').set(html).set('Accept-Language', 'it').expect(404);
    expect(res.text).toContain('<html lang="it">');
    expect(res.text).toContain('Il gate non ha nessuna pagina a questo indirizzo.');
  });

  it('answers API clients with the message in their language', async () => {
    const res = await request(env.gate.url)
      .get('/_gate/nowhere')
      .set('Accept', 'application/json')
      .set('Accept-Language', 'zh-CN')
      .expect(404);
    expect(res.body).toEqual({ error: 'not_found', message: '网关在此地址没有页面。' });
  });

  it('never forwards the language cookie to the app', async () => {
    const res = await request(env.gate.url).get('/public/page').set('Cookie', 'otp_gate_lang=it; app=1').expect(200);
    expect(res.body.headers.cookie).toBe('app=1');
  });
});

describe('page language default', () => {
  const env = useGate({ extraConfig: 'pages:\n  default_locale: it' });

  it('uses pages.default_locale when Accept-Language names no locale file', async () => {
    const res = await request(env.gate.url).get('/_gate/login').set('Accept-Language', 'de-DE, fr;q=0.5').expect(200);
    expect(res.text).toContain('<html lang="it">');
  });
});

describe('branding', () => {
  const env = useGate({
    extraConfig:
      'pages:\n  brand: { name: "ACME <Wiki>", logo_url: "https://cdn.acme.test/logo.svg", accent_color: "#0a7a3d" }',
  });

  it("puts the brand name (escaped) in the title and the logo's alt text", async () => {
    const res = await request(env.gate.url).get('/_gate/login').expect(200);
    expect(res.text).toContain('<title>Sign in · ACME &lt;Wiki&gt;</title>');
    expect(res.text).toContain('<img class="logo" src="https://cdn.acme.test/logo.svg" alt="ACME &lt;Wiki&gt;">');
    expect(res.text).not.toContain('<Wiki>');
  });

  it('puts the accent colour in the stylesheet the pages link', async () => {
    const res = await request(env.gate.url).get('/_gate/login').expect(200);
    const href = /<link rel="stylesheet" href="([^"]+)">/.exec(res.text)![1]!.replace('&#61;', '=');
    const sheet = await request(env.gate.url).get(href).expect(200);
    expect(sheet.text).toContain(':root { --accent: #0a7a3d; }');
  });

  it("allows images from the logo's origin in the CSP, and no other", async () => {
    const res = await request(env.gate.url).get('/_gate/login').expect(200);
    expect(res.headers['content-security-policy']).toContain("img-src 'self' data: https://cdn.acme.test;");
  });
});

describe('the code page', () => {
  const env = useGate();

  async function codePage(acceptLanguage: string) {
    const agent = request.agent(env.gate.url);
    const login = await agent.get('/_gate/login').set('Accept-Language', acceptLanguage).expect(200);
    const csrf = /name="csrf" value="([^"]+)"/.exec(login.text)![1]!;
    await agent
      .post('/_gate/login')
      .type('form')
      .set('Accept-Language', acceptLanguage)
      .send({ csrf, rd: '/', identifier: 'alice' })
      .expect(303);
    return agent.get('/_gate/code').set('Accept-Language', acceptLanguage).expect(200);
  }

  it('states where the code went, when it should arrive and when a new one may be asked for, without JavaScript', async () => {
    const res = await codePage('en');
    expect(res.text).toContain('We sent a 6-digit code via the gate console to +39 ••• ••• 0001.');
    // Too few deliveries yet to say how long they take: the page says so rather than guess.
    expect(res.text).toContain(
      'We can&#39;t say yet how long codes take to arrive here; this one stays valid for 5 minutes.',
    );
    expect(res.text).toMatch(/id="resend-hint"[^>]*>You can ask for a new code in 30 seconds\.<\/p>/);
  });

  it('marks the code field for one-time-code autofill with its hint', async () => {
    const res = await codePage('it');
    expect(res.text).toMatch(
      /<input type="text" id="code" name="code" inputmode="numeric" autocomplete="one-time-code"[^>]*aria-describedby="code-hint"/,
    );
    expect(res.text).toContain('6 cifre. Spazi e trattini vanno bene.');
  });

  it('loads the code entry script from the gate itself', async () => {
    const res = await codePage('en');
    expect(res.text).toContain('<script src="/_gate/assets/code-entry.js" defer></script>');
    const script = await request(env.gate.url).get('/_gate/assets/code-entry.js').expect(200);
    expect(script.headers['content-type']).toContain('text/javascript');
    expect(script.text).toContain("otp: { transport: ['sms'] }");
  });

  it("links the gate's own icon, so the browser does not ask the protected app for /favicon.ico", async () => {
    const res = await codePage('en');
    expect(res.text).toContain('<link rel="icon" href="/_gate/assets/favicon.svg" type="image/svg+xml">');
    const icon = await request(env.gate.url).get('/_gate/assets/favicon.svg').expect(200);
    expect(icon.headers['content-type']).toBe('image/svg+xml');
    expect(icon.headers['cache-control']).toBe('public, max-age=86400');
    expect(String(icon.body)).toContain('<svg');
  });
});
