// One factory for the channel family, switching on the configured type.
import type { Writable } from 'node:stream';

import type { ChannelConfig } from '../config/types.js';
import type { Directory } from '../directory/types.js';
import type { Locales } from '../i18n/locales.js';
import type { Logger } from '../shared/log.js';
import type { Channel } from './channel.js';
import { createConsoleChannel } from './console-channel.js';
import { createEmailChannel } from './email-channel.js';
import { createEmailTexts } from './email-text.js';
import { messageLocales } from './message-locale.js';
import { createSmsChannel } from './sms-channel.js';
import { loadSmsTexts } from './sms-text.js';
import { createWhatsAppChannel } from './whatsapp-channel.js';

export interface ChannelDeps {
  /** Where the console channel prints; tests read codes from here. */
  consoleOut?: Writable;
  log: Logger;
  /** The current user directory (the SMS allow-list defaults to its numbers' countries). */
  directory: () => Directory;
  /** Operator's templates folder and the shipped one, for SMS and e-mail texts. */
  templatesDir: string;
  shippedTemplatesDir: string;
  /** The locale files, for SMS and e-mail texts. */
  locales?: Locales;
}

export function createChannel(name: string, config: ChannelConfig, deps: ChannelDeps): Channel {
  switch (config.type) {
    case 'console':
      return createConsoleChannel(name, deps.consoleOut);
    case 'whatsapp':
      return createWhatsAppChannel(name, config, deps.log);
    case 'sms':
      return createSmsChannel(name, config, {
        texts: loadSmsTexts(deps.templatesDir, deps.shippedTemplatesDir, deps.locales),
        directory: deps.directory,
        log: deps.log,
      });
    case 'email':
      return createEmailChannel(name, config, {
        texts: createEmailTexts(messageLocales(deps.templatesDir, deps.shippedTemplatesDir, deps.locales)),
        log: deps.log,
      });
  }
}

export function createChannels(configs: Record<string, ChannelConfig>, deps: ChannelDeps): Map<string, Channel> {
  return new Map(Object.entries(configs).map(([name, c]) => [name, createChannel(name, c, deps)]));
}
