// Reading what people write to the business number out of a Cloud API `messages` webhook.
import { describe, expect, it } from 'vitest';

import { inboundTexts } from '../../src/channels/whatsapp-inbound.js';
import { whatsAppInboundBody, whatsAppStatusBody } from '../helpers/fake-whatsapp.js';

const read = (body: string) => inboundTexts(Buffer.from(body));

describe('inboundTexts', () => {
  it("reads a text message's sender as E.164, its text and id, and the business number's id", () => {
    expect(read(whatsAppInboundBody('393330000001', 'Sign me in: ABCD-EFGH-JKMN', 'wamid.X'))).toEqual([
      { id: 'wamid.X', from: '+393330000001', text: 'Sign me in: ABCD-EFGH-JKMN', phoneNumberId: '1098765432' },
    ]);
  });

  it('finds no message in a status report', () => {
    expect(read(whatsAppStatusBody('wamid.Y', 'delivered'))).toEqual([]);
  });

  it('leaves out messages that are not text, and bodies that are not JSON', () => {
    const image = whatsAppInboundBody('393330000001', 'x', 'wamid.Z').replace('"type":"text"', '"type":"image"');
    expect(read(image)).toEqual([]);
    expect(read('not json')).toEqual([]);
  });

  it('leaves out a sender that is not a number', () => {
    expect(read(whatsAppInboundBody('alice', 'hi', 'wamid.W'))).toEqual([]);
  });
});
