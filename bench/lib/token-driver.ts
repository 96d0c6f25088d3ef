// A personal access token for a bench run, made the way a person makes one: on the account page,
// right after signing in (so the sign-in is recent), for the bench's one app.

/** The token text the account page shows once; `cookie` is a fresh session's Cookie header. */
export async function personalToken(gateUrl: string, cookie: string): Promise<string> {
  const page = await fetch(`${gateUrl}/_gate/account`, { headers: { cookie, accept: 'text/html' } });
  const csrf = /name="csrf" value="([^"]*)"/.exec(await page.text())?.[1]?.replace(/&#61;/g, '=');
  if (!csrf) throw new Error(`no form on the account page (status ${page.status})`);
  const made = await fetch(`${gateUrl}/_gate/account/tokens`, {
    method: 'POST',
    headers: { cookie, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded', origin: gateUrl },
    body: new URLSearchParams({ csrf, name: 'bench', app_0: '127.0.0.1', days: '7' }),
  });
  const text = /<code id="token-text">([^<]+)<\/code>/.exec(await made.text())?.[1];
  if (!text) throw new Error(`the account page made no token (status ${made.status})`);
  return text;
}
