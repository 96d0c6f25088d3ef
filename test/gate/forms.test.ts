import request from 'supertest';
import { describe, expect, it } from 'vitest';

import { browser, hiddenField } from '../helpers/browser.js';
import { useGate } from '../helpers/gate.js';

const env = useGate({});

async function loginForm() {
  const agent = browser(env.gate);
  const page = await agent.get('/_gate/login?rd=%2F').expect(200);
  return { agent, csrf: hiddenField(page.text, 'csrf') };
}

describe("the gate's forms", () => {
  it('refuse a post without the CSRF token', async () => {
    const { agent } = await loginForm();
    await agent.post('/_gate/login').type('form').send({ identifier: 'alice', rd: '/' }).expect(403);
  });

  it("refuse a CSRF token from another browser's flow", async () => {
    const { csrf } = await loginForm();
    const { agent } = await loginForm();
    await agent.post('/_gate/login').type('form').send({ identifier: 'alice', rd: '/', csrf }).expect(403);
  });

  it('refuse a cross-site post even with a valid token', async () => {
    const { agent, csrf } = await loginForm();
    await agent
      .post('/_gate/login')
      .set('Sec-Fetch-Site', 'cross-site')
      .type('form')
      .send({ identifier: 'alice', rd: '/', csrf })
      .expect(403);
  });

  it('refuse a post whose Origin is another site', async () => {
    const { agent, csrf } = await loginForm();
    await agent
      .post('/_gate/login')
      .set('Origin', 'https://evil.example')
      .type('form')
      .send({ identifier: 'alice', rd: '/', csrf })
      .expect(403);
  });

  it('accept a same-origin post that says Origin: null, as browsers do under strict referrer policies', async () => {
    const { agent, csrf } = await loginForm();
    await agent
      .post('/_gate/login')
      .set('Sec-Fetch-Site', 'same-origin')
      .set('Origin', 'null')
      .type('form')
      .send({ identifier: 'alice', rd: '/', csrf })
      .expect(303);
  });

  it('refuse a body that is not a url-encoded form', async () => {
    const { agent, csrf } = await loginForm();
    await agent
      .post('/_gate/login')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ identifier: 'alice', csrf }))
      .expect(415);
  });

  it('refuse an oversized body', async () => {
    const { agent, csrf } = await loginForm();
    await agent
      .post('/_gate/login')
      .type('form')
      .send({ identifier: 'x'.repeat(100_000), csrf })
      .expect(413);
  });

  it('refuse a field sent twice', async () => {
    const { agent, csrf } = await loginForm();
    await agent
      .post('/_gate/login')
      .type('form')
      .send(`identifier=a&identifier=b&csrf=${encodeURIComponent(csrf)}`)
      .expect(400);
  });

  it('ask again for an empty identifier', async () => {
    const { agent, csrf } = await loginForm();
    const res = await agent.post('/_gate/login').type('form').send({ identifier: '  ', rd: '/', csrf }).expect(400);
    expect(res.text).toContain('Enter your username or phone number.');
  });
});

describe("the gate's pages", () => {
  it('forbid framing and are not cached', async () => {
    const res = await request(env.gate.url).get('/_gate/login').expect(200);
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('answer an unknown gate page with 404', async () => {
    await request(env.gate.url).get('/_gate/nope').expect(404);
  });

  it('answer health checks', async () => {
    const res = await request(env.gate.url).get('/_gate/healthz').expect(200);
    expect(res.body).toEqual({ status: 'ok' });
  });
});
