// What every forward-auth front proxy in docs/forward-auth must do with the shipped snippet, as a
// browser, an API client and a signed-in person meet it: the nginx and Caddy suites both run it.
import request from 'supertest';
import { expect, it } from 'vitest';

export interface FrontedGate {
  /** The front proxy's address. */
  url: string;
  /** A signed-in session cookie for alice (admins, staff). */
  cookie: string;
}

export function itFrontsTheGate(front: () => FrontedGate): void {
  it('sends a browser without a session to the login page, with where it was going', async () => {
    const { url } = front();
    const res = await request(url).get('/docs/page?x=1').set('Accept', 'text/html').expect(302);
    const login = new URL(res.headers.location!, url);
    expect(login.pathname + login.search).toBe('/_gate/login?rd=%2Fdocs%2Fpage%3Fx%3D1');
    const page = await request(url)
      .get(login.pathname + login.search)
      .set('Accept', 'text/html')
      .expect(200);
    expect(page.text).toContain('name="csrf"');
  });

  it('answers 401 to an API client without a session', async () => {
    await request(front().url).get('/docs/').set('Accept', 'application/json').expect(401);
  });

  it("passes a signed-in user to the app with the gate's identity headers, not the client's", async () => {
    const { url, cookie } = front();
    const res = await request(url)
      .get('/docs/')
      .set('Cookie', cookie)
      .set('Remote-User', 'mallory')
      .set('Accept', 'application/json')
      .expect(200);
    expect(res.body.headers['remote-user']).toBe('alice');
    expect(res.body.headers['remote-name']).toBe('Alice Example');
    expect(res.body.headers['remote-groups']).toBe('admins,staff');
  });
}
