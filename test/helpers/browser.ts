// Walks the challenge flow the way a browser does, over real HTTP with a cookie jar.
import type { Response } from 'supertest';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';

import type { TestGate } from './gate.js';

export type Agent = TestAgent;

export function browser(gate: TestGate): Agent {
  return request.agent(gate.url).set('Accept', 'text/html');
}

export function hiddenField(html: string, name: string): string {
  const m = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  if (!m) throw new Error(`no hidden field "${name}" in page:\n${html}`);
  return m[1]!
    .replace(/&#61;/g, '=')
    .replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>');
}

/** Signs out through the logout page's form, as a person does; the signed-out page. */
export async function signOut(agent: Agent): Promise<Response> {
  const page = await agent.get('/_gate/logout').expect(200);
  return agent
    .post('/_gate/logout')
    .type('form')
    .send({ csrf: hiddenField(page.text, 'csrf') })
    .expect(200);
}

/** What else a person types: a password where the rule asks for one, "trust this browser". */
export type Extra = Record<string, string>;

/** Opens the login page for a destination and asks for a code; returns the code page's CSRF token. */
export async function identify(
  agent: Agent,
  identifier: string,
  rd = '/',
  extra: Extra = {},
): Promise<{ status: number; csrf: string; html: string }> {
  const login = await agent.get(`/_gate/login?rd=${encodeURIComponent(rd)}`).expect(200);
  const posted = await agent
    .post('/_gate/login')
    .type('form')
    .send({ identifier, rd: hiddenField(login.text, 'rd'), csrf: hiddenField(login.text, 'csrf'), ...extra });
  if (posted.status !== 303)
    return { status: posted.status, csrf: hiddenField(posted.text, 'csrf'), html: posted.text };
  const page = await agent.get('/_gate/code').expect(200);
  return { status: 303, csrf: hiddenField(page.text, 'csrf'), html: page.text };
}

export async function submitCode(agent: Agent, csrf: string, code: string, extra: Extra = {}) {
  return agent
    .post('/_gate/verify')
    .type('form')
    .send({ code, csrf, ...extra });
}

/** The whole flow for a user; resolves with the verify response (303 to the destination). */
export async function signIn(
  gate: TestGate,
  agent: Agent,
  username: string,
  rd = '/',
  extra: { login?: Extra; verify?: Extra } = {},
) {
  const before = gate.inbox.codesFor(username).length;
  const { csrf } = await identify(agent, username, rd, extra.login);
  const code = await gate.inbox.code(username, before + 1);
  return submitCode(agent, csrf, code, extra.verify);
}

/** The value of the session cookie a response sets. */
export function sessionCookieValue(res: Response): string {
  const line = (res.headers['set-cookie'] as unknown as string[] | undefined)?.find((c) => c.startsWith('otp_gate='));
  if (!line) throw new Error(`no session cookie in a ${res.status} answer`);
  return line.split(';')[0]!.slice('otp_gate='.length);
}

/** The session cookie a response sets, as a Cookie header sends it back: `otp_gate=…`. */
export const sessionCookie = (res: Response): string => `otp_gate=${sessionCookieValue(res)}`;
