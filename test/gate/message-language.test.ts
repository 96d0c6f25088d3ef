// The code's message is written in the language of the page that asked for it, over real HTTP
// to a local server speaking Twilio's API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { browser, identify } from '../helpers/browser.js';
import type { FakeTwilio } from '../helpers/fake-twilio.js';
import { startFakeTwilio } from '../helpers/fake-twilio.js';
import type { TestGate } from '../helpers/gate.js';
import { startTestGate } from '../helpers/gate.js';
import type { TestUpstream } from '../helpers/upstream.js';
import { startUpstream } from '../helpers/upstream.js';

let tw: FakeTwilio;
let upstream: TestUpstream;
let gate: TestGate;

beforeAll(async () => {
  [tw, upstream] = await Promise.all([startFakeTwilio(), startUpstream()]);
  gate = await startTestGate({
    upstream: upstream.url,
    users: 'users:\n  marco:\n    phone: "+39 333 000 0031"\n  mei:\n    phone: "+39 333 000 0032"\n',
    channels: tw.config(),
  });
});

afterAll(async () => {
  await gate?.close();
  await Promise.all([tw?.close(), upstream?.close()]);
});

/** The SMS the fake provider took for a number, once the gate's deliveries are done. */
async function smsTo(number: string) {
  await gate.gate.challenges.idle();
  const found = tw.sent.find((m) => m.to === number);
  if (!found) throw new Error(`no SMS to ${number}`);
  return found;
}

describe('the SMS text', () => {
  it('is in Italian when the person signs in on an Italian page', async () => {
    await identify(browser(gate).set('Accept-Language', 'it-IT,it;q=0.9'), 'marco');
    const sms = await smsTo('+393330000031');
    expect(sms.body).toContain(`${sms.code} è il tuo codice di accesso per 127.0.0.1.`);
  });

  it('is in Simplified Chinese when the person picked 简体中文 on the page', async () => {
    await identify(browser(gate).set('Cookie', 'otp_gate_lang=zh-CN').set('Accept-Language', 'en'), 'mei');
    const sms = await smsTo('+393330000032');
    expect(sms.body).toContain(`${sms.code}是您登录127.0.0.1的验证码`);
  });
});
