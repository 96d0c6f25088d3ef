// The sign-in page for someone not signed in is answered ahead of Koa (issue 24), from pages
// rendered once per language and rule; a browser with a session or trusted-browser cookie still
// gets Koa's route, which looks them up. Both must answer alike, byte for byte, apart from the
// flow's own token.
import request from 'supertest';
import { describe, expect, it } from 'vitest';

import { useGate } from '../helpers/gate.js';

/** The answer with the flow's id, its signature and the CSRF token (new every time) and the date blanked. */
function comparable(res: request.Response): string {
  const headers = Object.entries(res.headers)
    .filter(([name]) => !['date', 'x-request-id'].includes(name))
    .map(([name, value]) => `${name}: ${String(value)}`)
    .sort();
  return [res.status, ...headers, res.text]
    .join('\n')
    .replace(/otp_gate_flow=[^;]+/g, 'otp_gate_flow=FLOW')
    .replace(/name="csrf" value="[^"]+"/g, 'name="csrf" value="CSRF"');
}

describe('the sign-in page for someone not signed in', () => {
  const env = useGate({
    policy:
      'rules:\n  - name: docs\n    paths: ["/docs/**"]\n    factors: [password, otp]\n    action: challenge\n  - name: everyone\n    action: challenge\n',
  });
  const page = (query: string, headers: Record<string, string> = {}) => {
    const req = request(env.gate.url).get(`/_gate/login${query}`).set('Accept', 'text/html');
    for (const [name, value] of Object.entries(headers)) req.set(name, value);
    return req;
  };
  // A session cookie that verifies as nothing: the page is the same, but Koa's route answers it.
  const viaKoa = { Cookie: 'otp_gate=not-a-session' };

  it.each<[string, Record<string, string>]>([
    ['?rd=%2Fapp', {}],
    ['?rd=%2Fdocs%2Fa%3Fx%3D1%26y%3D%27q%27%3C%3E~*!', {}],
    ['?rd=http%3A%2F%2Fx.apps.test%2Fz%3Fk%3D%E2%82%AC', {}],
    ['?lang=it&rd=%2Fx', {}],
    ['?rd=%2F%C3x%E2%82&lang=it&lang=zh-CN', {}],
    ['', { 'Accept-Language': 'zh-CN,it;q=0.5' }],
    ['?rd=%2F%2Fevil.example', { Cookie: 'otp_gate_lang=it' }],
  ])('is the page the sign-in route answers, for %s', async (query, headers) => {
    const ahead = await page(query, headers).expect(200);
    const cookies = { ...headers, Cookie: [viaKoa.Cookie, headers.Cookie].filter(Boolean).join('; ') };
    const koa = await page(query, cookies).expect(200);
    expect(comparable(ahead)).toBe(comparable(koa));
  });

  it('keeps the flow a browser already has, so its earlier form still posts', async () => {
    const first = await page('?rd=%2Fapp').expect(200);
    const flow = /otp_gate_flow=[^;]+/.exec(String(first.headers['set-cookie']))![0];
    const again = await page('?rd=%2Fapp', { Cookie: flow }).expect(200);
    expect(again.headers['set-cookie']).toBeUndefined();
    const csrf = (res: request.Response) => /name="csrf" value="([^"]+)"/.exec(res.text)![1];
    expect(csrf(again)).toBe(csrf(first));
  });
});
