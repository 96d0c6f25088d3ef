// A person moving between gate instances behind a load balancer: one cookie jar, any instance.
// (supertest's agent keeps cookies per URL, so it cannot carry a login flow from A to B.)
import type { Response } from 'supertest';
import request from 'supertest';

import { hiddenField } from './browser.js';
import type { TestGate } from './gate.js';

export class CookieJar {
  readonly cookies = new Map<string, string>();

  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  take(res: Response): Response {
    const set = res.headers['set-cookie'] as unknown as string[] | undefined;
    for (const line of set ?? []) {
      const [pair = '', ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || attrs.some((a) => /^\s*max-age=0\s*$/i.test(a))) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  async get(base: string, path: string, accept = 'text/html'): Promise<Response> {
    return this.take(await request(base).get(path).set('Accept', accept).set('Cookie', this.header()));
  }

  async post(base: string, path: string, form: Record<string, string>, accept = 'text/html'): Promise<Response> {
    return this.take(
      await request(base).post(path).set('Accept', accept).set('Cookie', this.header()).type('form').send(form),
    );
  }
}

/** Asks for a code on one instance; returns the CSRF token of the code page. */
export async function askForCode(jar: CookieJar, base: string, identifier: string): Promise<string> {
  const login = await jar.get(base, '/_gate/login?rd=%2F');
  const posted = await jar.post(base, '/_gate/login', {
    identifier,
    rd: hiddenField(login.text, 'rd'),
    csrf: hiddenField(login.text, 'csrf'),
  });
  if (posted.status !== 303) throw new Error(`login post answered ${posted.status}: ${posted.text}`);
  const page = await jar.get(base, '/_gate/code');
  return hiddenField(page.text, 'csrf');
}

/** Signs a user in with a new code, asked for on `start` and typed on `finish` (by default the same gate). */
export async function signInWithJar(
  jar: CookieJar,
  start: TestGate,
  user: string,
  finish: TestGate = start,
): Promise<CookieJar> {
  const before = start.inbox.codesFor(user).length;
  const csrf = await askForCode(jar, start.url, user);
  const code = await start.inbox.code(user, before + 1);
  const res = await jar.post(finish.url, '/_gate/verify', { csrf, code });
  if (res.status !== 303) throw new Error(`verify answered ${res.status}: ${res.text}`);
  return jar;
}
