// The signed-in person's own page: reached from the sign-out page, it says who they are, shows the
// sections that apply to this gate's config, and offers signing out.
import request from 'supertest';
import { describe, expect, it } from 'vitest';

import type { Agent } from '../helpers/browser.js';
import { browser, hiddenField, signIn } from '../helpers/browser.js';
import { useGate } from '../helpers/gate.js';

const PAGE = '/_gate/account';
const USERS = `
users:
  alice:
    phone: "+39 333 000 1001"
`;
const withTotp = useGate({
  users: USERS,
  extraConfig:
    'totp:\n  issuer: Test Gate\n  keys: ["totp-test-key-0123456789-0123456789"]\naccount:\n  reauth_within: 10m',
});
const withoutTotp = useGate({ users: USERS });

async function signedIn(env: typeof withTotp): Promise<Agent> {
  const agent = browser(env.gate);
  const res = await signIn(env.gate, agent, 'alice', PAGE);
  expect(res.headers.location).toBe(PAGE);
  return agent;
}

describe('the account page', () => {
  it('sends a browser without a session to sign in, and back here after', async () => {
    const res = await request(withTotp.gate.url).get(PAGE).set('Accept', 'text/html').expect(303);
    expect(res.headers.location).toBe(`/_gate/login?rd=${encodeURIComponent(PAGE)}`);
  });

  it('says who is signed in', async () => {
    const agent = await signedIn(withTotp);
    expect((await agent.get(PAGE).expect(200)).text).toContain('You are signed in as alice.');
  });

  it('is linked from the sign-out page', async () => {
    const agent = await signedIn(withTotp);
    expect((await agent.get('/_gate/logout').expect(200)).text).toContain(`<a href="${PAGE}">Your account</a>`);
  });

  it('shows the authenticator app section, not yet set up, where the config has one', async () => {
    const html = (await (await signedIn(withTotp)).get(PAGE).expect(200)).text;
    expect(html).toContain('<h2 id="account-totp">Authenticator app</h2>');
    expect(html).toContain('No authenticator app is set up yet.');
  });

  it('leaves the authenticator app section out where the config has none', async () => {
    const html = (await (await signedIn(withoutTotp)).get(PAGE).expect(200)).text;
    expect(html).not.toContain('account-totp');
  });

  it('tells how recent a sign-in must be to change a way of signing in, from the config', async () => {
    const html = (await (await signedIn(withTotp)).get(PAGE).expect(200)).text;
    expect(html).toContain('more than 10 minutes ago');
  });

  it('signs out with its own form', async () => {
    const agent = await signedIn(withTotp);
    const html = (await agent.get(PAGE).expect(200)).text;
    await agent
      .post('/_gate/logout')
      .type('form')
      // The sign-out form's own token: other sections' forms come first on the page.
      .send({ csrf: hiddenField(html.slice(html.indexOf('action="/_gate/logout"')), 'csrf') })
      .expect(200);
    await agent.get(PAGE).expect(303);
  });
});
