// The code e-mail in the person's language, from the `email.*` texts of templates/locales (an
// operator's own locale files override them): the code first in the subject, where mail apps
// that offer codes for autofill look, and a plain-text and an HTML part saying the same. The
// HTML loads nothing: no remote images, no tracking pixel, no stylesheet, no script.
import type { Locales } from '../i18n/locales.js';
import { messageTranslator } from './message-locale.js';

export interface EmailMessage {
  /** The locale the message is written in ("it"), for the Content-Language header. */
  locale: string;
  subject: string;
  text: string;
  html: string;
}

export interface EmailTexts {
  render(input: { code: string; host: string; ttlMs: number; locale?: string | undefined }): EmailMessage;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);

const CODE_STYLE = 'font-family:monospace;font-size:28px;font-weight:bold;letter-spacing:4px;margin:16px 0';

export function createEmailTexts(locales: Locales): EmailTexts {
  return {
    render({ code, host, ttlMs, locale }) {
      const tr = messageTranslator(locales, locale);
      const params = { code, host, minutes: Math.max(1, Math.round(ttlMs / 60_000)) };
      const [intro, expiry, ignore] = ['email.intro', 'email.expiry', 'email.ignore'].map((k) => tr.t(k, params));
      const paragraph = (text: string | undefined) => `<p>${escapeHtml(text ?? '')}</p>`;
      const html = [
        '<!doctype html>',
        `<html lang="${escapeHtml(tr.locale)}"><head><meta charset="utf-8"><title>${escapeHtml(tr.t('email.subject', params))}</title></head>`,
        '<body style="font-family:sans-serif;line-height:1.5">',
        paragraph(intro),
        `<p style="${CODE_STYLE}">${escapeHtml(code)}</p>`,
        paragraph(expiry),
        paragraph(ignore),
        '</body></html>',
      ].join('\n');
      return {
        locale: tr.locale,
        subject: tr.t('email.subject', params),
        text: `${intro}\n\n    ${code}\n\n${expiry}\n\n${ignore}\n`,
        html: `${html}\n`,
      };
    },
  };
}
