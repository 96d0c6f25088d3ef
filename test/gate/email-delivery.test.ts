// The email channel inside a running gate, against a real SMTP server and the Twilio stand-in: a
// rule's `channels: [email, sms]`, the page naming the masked address, the delivery counted as
// "sent" once the server took it, and SMS when the SMTP server is down at start or goes away later.
import { PassThrough } from 'node:stream';

import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { browser, identify, submitCode } from '../helpers/browser.js';
import type { FakeTwilio } from '../helpers/fake-twilio.js';
import { startFakeTwilio } from '../helpers/fake-twilio.js';
import { useGatePerTest } from '../helpers/gate.js';
import type { TestSmtpServer } from '../helpers/smtp-server.js';
import { closedPort, SMTP_LOGIN, smtpChannelConfig, startSmtpServer } from '../helpers/smtp-server.js';
import { waitFor } from '../helpers/wait.js';

const USERS = `
users:
  alice:
    phone: "+39 333 000 0001"
    email: Alice.Example@Example.ORG
    groups: [admins]
  bob:
    phone: "+1 202 555 0102"
`;
const POLICY = `
rules:
  - name: everyone
    action: challenge
    channels: [email, sms]
`;

let smtp: TestSmtpServer;
let tw: FakeTwilio;
const gates = useGatePerTest();
beforeAll(async () => {
  [smtp, tw] = await Promise.all([startSmtpServer({ tls: 'starttls', login: true }), startFakeTwilio()]);
});
afterAll(async () => {
  await Promise.all([smtp?.close(), tw?.close()]);
});

const start = (email: string, logOut?: PassThrough) =>
  gates.start({
    users: USERS,
    policy: POLICY,
    channels: email + tw.config(),
    channelRetryMs: { first: 50, max: 200 },
    ...(logOut ? { logOut } : {}),
  });
const smsTo = (phone: string) => waitFor(`SMS to ${phone}`, () => tw.sent.find((m) => m.to === phone));

describe('codes by e-mail in a gate', () => {
  it('signs a person in with the code from the e-mail; the page names e-mail and the masked address', async () => {
    const gate = await start(smtp.config() + '\n');
    const agent = browser(gate);
    const before = smtp.received.length;
    const { csrf, html } = await identify(agent, 'alice');
    expect(html).toContain('e-mail');
    expect(html).toContain('A•••@example.org');
    const mail = await smtp.message(before + 1);
    expect(mail.to).toEqual(['Alice.Example@example.org']);
    const code = /^(\d{6}) /.exec(String(mail.parsed.subject))?.[1];
    expect(code).toMatch(/^\d{6}$/);
    await gate.gate.challenges.idle();
    const status = await agent.get('/_gate/code/status').set('Accept', 'application/json').expect(200);
    expect(status.body).toMatchObject({ channel: 'email', state: 'sent' });
    expect((await submitCode(agent, csrf, code!)).status).toBe(303);
  });

  it('shows an unknown name a decoy address at a domain of the directory, as it shows a real one', async () => {
    const gate = await start(smtp.config() + '\n');
    const { html } = await identify(browser(gate), 'mallory');
    expect(html).toContain('m•••@example.org');
  });

  it('sends by SMS when the person has no e-mail address', async () => {
    const gate = await start(smtp.config() + '\n');
    await identify(browser(gate), 'bob');
    await gate.gate.challenges.idle();
    expect((await smsTo('+12025550102')).to).toBe('+12025550102');
  });
});

describe('an SMTP server that is away', () => {
  it('at start: the gate starts, /readyz says e-mail is down, and the code goes by SMS', async () => {
    const port = await closedPort();
    const gate = await start(smtpChannelConfig(port, { tls: 'starttls', login: true }) + '\n');
    const ready = await request(gate.url).get('/_gate/readyz').expect(200);
    expect(ready.body.channels).toEqual({ email: 'down: network', sms: 'up' });
    const { html } = await identify(browser(gate), 'alice');
    expect(html).toContain('SMS');
    await gate.gate.challenges.idle();
    expect((await smsTo('+393330000001')).to).toBe('+393330000001');
  });

  it('after start: a send the server cannot take falls back to SMS at once', async () => {
    const gone = await startSmtpServer({ tls: 'starttls', login: true });
    const gate = await start(gone.config() + '\n');
    await gone.close();
    const smsBefore = tw.sent.length;
    const agent = browser(gate);
    await identify(agent, 'alice');
    await gate.gate.challenges.idle();
    expect(tw.sent.slice(smsBefore).map((m) => m.to)).toEqual(['+393330000001']);
    const status = await agent.get('/_gate/code/status').set('Accept', 'application/json').expect(200);
    expect(status.body).toMatchObject({ channel: 'sms', switched_from: 'email' });
  });

  it('refusing the login: e-mail is down for its config, an alert is logged, and the password is in no output', async () => {
    const logOut = new PassThrough();
    let log = '';
    logOut.on('data', (d: Buffer) => (log += d.toString()));
    const wrong = smtp.config().replace(SMTP_LOGIN.password, 'not-the-smtp-password-9');
    const gate = await start(wrong + '\n', logOut);
    const ready = await request(gate.url).get('/_gate/readyz').expect(200);
    expect(ready.body.channels.email).toBe('down: auth');
    const agent = browser(gate);
    const { html } = await identify(agent, 'alice');
    await gate.gate.challenges.idle();
    expect(log).toContain('smtp_login_refused');
    const output = [log, ...gate.audit, html, JSON.stringify(ready.body)].join('\n');
    expect(output).not.toContain('not-the-smtp-password-9');
    expect(output).not.toContain('Alice.Example');
  });
});
