// Every dead end of the sign-in pages offers the next step, and keeps where the person was going:
// an expired code, an expired form, a page their account may not open, signing out.
import { describe, expect, it } from 'vitest';

import { createManualClock } from '../../src/shared/clock.js';
import { browser, hiddenField, identify, signIn } from '../helpers/browser.js';
import { useGate } from '../helpers/gate.js';

const clock = createManualClock(Date.now());
const env = useGate({ clock });
const DESTINATION = '/docs/page?x=1';
/** A link's target as the browser follows it (the page escapes "=" and "&" in attributes). */
const link = (html: string, text: string) =>
  new RegExp(`<a href="([^"]*)"[^>]*>${text}</a>`).exec(html)?.[1]?.replace(/&#61;/g, '=').replace(/&amp;/g, '&');

describe('the ways forward', () => {
  it('after a code expired, "Get a new code" leads to signing in for the same destination', async () => {
    const agent = browser(env.gate);
    const { csrf, html } = await identify(agent, 'alice', DESTINATION);
    expect(hiddenField(html, 'rd')).toBe(DESTINATION);
    clock.advance(6 * 60_000);
    const res = await agent
      .post('/_gate/verify')
      .type('form')
      .send({ code: '000000', csrf, rd: hiddenField(html, 'rd') })
      .expect(400);
    expect(link(res.text, 'Get a new code')).toBe(`/_gate/login?rd=${encodeURIComponent(DESTINATION)}`);
  });

  it('after a form expired, "Start again" leads to signing in for the destination the form carried', async () => {
    const agent = browser(env.gate);
    const res = await agent
      .post('/_gate/login')
      .type('form')
      .send({ identifier: 'alice', rd: DESTINATION, csrf: 'stale' })
      .expect(403);
    expect(res.text).toContain('This form has expired');
    expect(link(res.text, 'Start again')).toBe(`/_gate/login?rd=${encodeURIComponent(DESTINATION)}`);
  });

  it('a form naming a destination off the gate starts again at the root, not there', async () => {
    const agent = browser(env.gate);
    const res = await agent
      .post('/_gate/login')
      .type('form')
      .send({ identifier: 'alice', rd: 'https://evil.example/', csrf: 'stale' })
      .expect(403);
    expect(link(res.text, 'Start again')).toBe('/_gate/login?rd=%2F');
  });

  it('a cross-site post gets no link back into the flow', async () => {
    const agent = browser(env.gate);
    const res = await agent
      .post('/_gate/login')
      .set('Sec-Fetch-Site', 'cross-site')
      .type('form')
      .send({ identifier: 'alice', rd: DESTINATION })
      .expect(403);
    expect(res.text).not.toContain('Start again');
  });

  it('a page the account may not open offers signing in as someone else, for that page', async () => {
    const agent = browser(env.gate);
    await signIn(env.gate, agent, 'bob');
    const denied = await agent.get('/admin/panel?tab=2').expect(403);
    const signOut = link(denied.text, 'Sign in as someone else');
    expect(signOut).toBe(`/_gate/logout?rd=${encodeURIComponent('/admin/panel?tab=2')}`);

    const page = await agent.get(signOut!).expect(200);
    const out = await agent
      .post('/_gate/logout')
      .type('form')
      .send({ csrf: hiddenField(page.text, 'csrf'), rd: hiddenField(page.text, 'rd') })
      .expect(200);
    expect(out.text).toContain('You are signed out');
    expect(link(out.text, 'Sign in again')).toBe(`/_gate/login?rd=${encodeURIComponent('/admin/panel?tab=2')}`);
  });

  it('signing out without a destination offers signing in again at the root', async () => {
    const agent = browser(env.gate);
    await signIn(env.gate, agent, 'alice');
    const page = await agent.get('/_gate/logout').expect(200);
    const out = await agent
      .post('/_gate/logout')
      .type('form')
      .send({ csrf: hiddenField(page.text, 'csrf'), rd: hiddenField(page.text, 'rd') })
      .expect(200);
    expect(link(out.text, 'Sign in again')).toBe('/_gate/login?rd=%2F');
  });
});
