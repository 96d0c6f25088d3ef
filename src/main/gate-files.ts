// The files a gate reads besides config, users and policies: page templates, locale texts and
// SMS texts (through the channels). Loaded here for start-up and for `otp-gate check` alike, so
// a broken template is named by check, not first when the gate starts.
import { join } from 'node:path';
import type { Writable } from 'node:stream';

import type { Channel } from '../channels/channel.js';
import { createChannels } from '../channels/create-channel.js';
import { SHIPPED_TEMPLATES_DIR } from '../config/compile-config.js';
import type { GateConfig } from '../config/types.js';
import type { Directory } from '../directory/types.js';
import type { Locales } from '../i18n/locales.js';
import { loadLocales } from '../i18n/locales.js';
import type { Templates } from '../pages/templates.js';
import { loadTemplates } from '../pages/templates.js';
import type { Logger } from '../shared/log.js';

export interface GateFiles {
  templates: Templates;
  locales: Locales;
  channels: Map<string, Channel>;
}

/** Throws naming the file and what is wrong in it. */
export function loadGateFiles(
  config: GateConfig,
  deps: { log: Logger; directory: () => Directory; consoleOut?: Writable | undefined },
): GateFiles {
  const templates = loadTemplates(config.templatesDir, SHIPPED_TEMPLATES_DIR);
  const locales = loadLocales(
    { own: join(config.templatesDir, 'locales'), shipped: join(SHIPPED_TEMPLATES_DIR, 'locales') },
    config.pages.defaultLocale,
  );
  const channels = createChannels(config.channels, {
    consoleOut: deps.consoleOut,
    log: deps.log,
    directory: deps.directory,
    templatesDir: config.templatesDir,
    shippedTemplatesDir: SHIPPED_TEMPLATES_DIR,
    locales,
  });
  return { templates, locales, channels };
}
