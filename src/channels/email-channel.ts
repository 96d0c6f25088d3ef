// The `email` channel: the code as an e-mail through the operator's SMTP server (nodemailer), with
// TLS as configured, an optional login and optional DKIM signing. SMTP has no delivery reports
// the gate could wait for, so a send the server accepted is final ("sent"); a refusal or a server
// that cannot be reached moves the code on to the rule's next channel.
import { rootCertificates } from 'node:tls';

import { createTransport } from 'nodemailer';

import type { EmailChannelConfig } from '../config/types.js';
import type { Logger } from '../shared/log.js';
import type { Channel, ChannelFailure } from './channel.js';
import { ChannelError } from './channel.js';
import type { EmailTexts } from './email-text.js';

export interface EmailChannelDeps {
  texts: EmailTexts;
  log: Logger;
}

/** Node's codes for a certificate or handshake the client refused: the server or `ca` needs an operator. */
const TLS_FAILURE = /^(?:CERT_|DEPTH_ZERO_|SELF_SIGNED_|UNABLE_TO_|HOSTNAME_MISMATCH|ERR_TLS_|ERR_SSL_)/;

/** What nodemailer's errors carry (smtp-connection's _formatError). */
interface SmtpError {
  code?: unknown;
  originalCode?: unknown;
  response?: unknown;
  responseCode?: unknown;
  command?: unknown;
}

/**
 * The failure kind and words for an SMTP error. The server's reply is quoted with addresses
 * blanked out (a refused RCPT names the recipient); nodemailer's own error is not kept as the
 * cause, since its message quotes the same reply.
 */
export function smtpFailure(err: unknown): { kind: ChannelFailure; what: string; responseCode: number | undefined } {
  const e = (err ?? {}) as SmtpError;
  const code = typeof e.code === 'string' ? e.code : undefined;
  const responseCode = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  const reply = typeof e.response === 'string' ? quoteReply(e.response) : undefined;
  const said = reply ? `: the server said "${reply}"` : '';
  const temporary = responseCode !== undefined && responseCode < 500;
  const command = typeof e.command === 'string' ? e.command : '';
  const system = typeof e.originalCode === 'string' ? e.originalCode : undefined;
  if (code === 'ETLS' || (system !== undefined && TLS_FAILURE.test(system)))
    return { kind: 'misconfigured', what: `TLS with the server failed${said || detail(err)}`, responseCode };
  switch (code) {
    case 'EAUTH':
    case 'ENOAUTH':
      return { kind: 'auth', what: `the server refused the login${said}`, responseCode };
    case 'ETIMEDOUT':
      return { kind: 'timeout', what: 'the server did not answer in time', responseCode };
    case 'EENVELOPE':
      if (/^RCPT/i.test(command))
        return temporary
          ? { kind: 'rate-limited', what: `the server deferred the recipient${said}`, responseCode }
          : { kind: 'unreachable-recipient', what: `the server refused the recipient${said}`, responseCode };
      return temporary
        ? { kind: 'unavailable', what: `the server deferred the sender${said}`, responseCode }
        : { kind: 'misconfigured', what: `the server refused the sender (channels.email.from)${said}`, responseCode };
  }
  if (responseCode !== undefined)
    return temporary
      ? { kind: 'unavailable', what: `the server is unavailable${said}`, responseCode }
      : { kind: 'rejected', what: `the server refused the message${said}`, responseCode };
  return { kind: 'network', what: `cannot reach the server${system ? ` (${system})` : ''}`, responseCode };
}

/** The server's reply, one line, without addresses, at most 160 characters. */
function quoteReply(reply: string): string {
  return reply
    .replace(/<[^>]*>/g, '<…>')
    .replace(/[^\s<>"]+@[^\s<>"]+/g, '…@…')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 160);
}

/** The TLS library's reason ("self-signed certificate"), which names no person. */
function detail(err: unknown): string {
  const message = err instanceof Error ? err.message.replace(/^Error initiating TLS - /, '') : '';
  return message ? `: ${quoteReply(message)}` : '';
}

export function createEmailChannel(name: string, config: EmailChannelConfig, deps: EmailChannelDeps): Channel {
  const transport = createTransport({
    host: config.host,
    port: config.port,
    secure: config.tls === 'implicit',
    requireTLS: config.tls === 'starttls',
    opportunisticTLS: config.tls === 'opportunistic',
    auth: config.auth && { user: config.auth.user, pass: config.auth.password },
    // A private CA is trusted besides the system's, not instead of them.
    tls: { minVersion: 'TLSv1.2', ...(config.ca ? { ca: [...rootCertificates, config.ca] } : {}) },
    connectionTimeout: config.timeout,
    greetingTimeout: config.timeout,
    socketTimeout: config.timeout,
    dnsTimeout: config.timeout,
    dkim: config.dkim && {
      domainName: config.dkim.domain,
      keySelector: config.dkim.selector,
      privateKey: config.dkim.privateKey,
    },
    // The message is built here from text: nothing may be read from disk or fetched from a URL.
    disableFileAccess: true,
    disableUrlAccess: true,
    logger: false,
  });

  const { log } = deps;
  function failure(doing: string, err: unknown): ChannelError {
    const { kind, what, responseCode } = smtpFailure(err);
    if (kind === 'auth') {
      // An operator must act: say so loudly, without the login or password.
      log.error({ alert: 'smtp_login_refused', channel: name, providerCode: responseCode }, `SMTP ${what}`);
    }
    return new ChannelError(name, `${doing}: ${what}`, { kind, providerCode: responseCode });
  }

  return {
    name,
    reaches: 'email',
    async send(message) {
      if (!message.email)
        throw new ChannelError(name, 'sending a code: the user has no e-mail address', {
          kind: 'unreachable-recipient',
        });
      const mail = deps.texts.render(message);
      try {
        const info = await transport.sendMail({
          from: config.from.name ? { name: config.from.name, address: config.from.address } : config.from.address,
          to: message.email,
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
          headers: {
            'Content-Language': mail.locale,
            // RFC 3834: no out-of-office or vacation replies to a code message.
            'Auto-Submitted': 'auto-generated',
            'X-Auto-Response-Suppress': 'All',
          },
        });
        return { messageId: typeof info.messageId === 'string' ? info.messageId : undefined };
      } catch (err) {
        throw failure('sending a code', err);
      }
    },
    async check() {
      try {
        await transport.verify();
      } catch (err) {
        throw failure(`checking the SMTP server ${config.host}:${config.port}`, err);
      }
    },
  };
}
