// Personal access tokens on the account page: made after a recent sign-in, shown once, listed,
// revoked; and a token made here opens the chosen app with curl's -u and the person's name.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

import { describe, expect, it } from 'vitest';

import type { Agent } from '../helpers/browser.js';
import { browser, hiddenField, signIn } from '../helpers/browser.js';
import { useGate } from '../helpers/gate.js';

const run = promisify(execFile);
const PAGE = '/_gate/account';
const POLICY = `
rules:
  - name: dav
    paths: ["/dav/**"]
    action: challenge
    basic: true
  - name: everyone
    action: challenge
`;

describe('personal tokens on the account page', () => {
  const env = useGate({ policy: POLICY, extraConfig: 'account:\n  reauth_within: 10m' });

  async function signedIn(): Promise<Agent> {
    const agent = browser(env.gate);
    await signIn(env.gate, agent, 'bob', PAGE);
    return agent;
  }
  const create = async (agent: Agent, name: string) => {
    const page = await agent.get(PAGE).expect(200);
    return agent
      .post(`${PAGE}/tokens`)
      .type('form')
      .send({ csrf: hiddenField(page.text, 'csrf'), name, app_0: '127.0.0.1', days: '30' });
  };
  const tokenOn = (html: string) => /<code id="token-text">([^<]+)<\/code>/.exec(html)?.[1];

  it('shows a new token once, and then only its name in the list', async () => {
    const agent = await signedIn();
    const res = await create(agent, 'laptop git');
    expect(res.status).toBe(201);
    const text = tokenOn(res.text);
    expect(text).toMatch(/^otpg_/);
    const again = await agent.get(PAGE).expect(200);
    expect(again.text).toContain('<strong>laptop git</strong>');
    expect(again.text).not.toContain(text!);
  });

  it('lets the new token open a basic rule with curl -u as its person', async () => {
    const agent = await signedIn();
    const text = tokenOn((await create(agent, 'curl')).text)!;
    const { stdout } = await run('curl', ['-s', '-u', `bob:${text}`, `${env.gate.url}/dav/x`]);
    expect((JSON.parse(stdout) as { headers: Record<string, string> }).headers['remote-user']).toBe('bob');
  });

  it('revokes a token from its row, after which it is refused', async () => {
    const agent = await signedIn();
    const text = tokenOn((await create(agent, 'to revoke')).text)!;
    const page = await agent.get(PAGE).expect(200);
    const row = new RegExp(`name="id" value="([0-9a-f]{16})">\\s*<p><strong>to revoke</strong>`).exec(page.text);
    await agent
      .post(`${PAGE}/tokens/revoke`)
      .type('form')
      .send({ csrf: hiddenField(page.text, 'csrf'), id: row![1]! })
      .expect(303);
    const res = await fetch(`${env.gate.url}/x`, { headers: { authorization: `Bearer ${text}` } });
    expect(res.status).toBe(401);
  });

  it('sends someone whose sign-in is not recent to sign in again before making a token', async () => {
    const agent = await signedIn();
    const page = await agent.get(PAGE).expect(200);
    env.gate.gate.config().account.reauthWithin = 0;
    try {
      const res = await agent
        .post(`${PAGE}/tokens`)
        .type('form')
        .send({ csrf: hiddenField(page.text, 'csrf'), name: 'late', app_0: '127.0.0.1', days: '30' });
      expect(res.status).toBe(303);
      expect(res.headers.location).toContain('/_gate/login');
    } finally {
      env.gate.gate.config().account.reauthWithin = 600_000;
    }
  });
});
