// A real SMTP server for tests (smtp-server, the library nodemailer's author keeps for this):
// implicit TLS, STARTTLS or plain text, an optional login, and every message kept as it arrived
// and as mailparser reads it. TLS uses the test-only certificate in test/fixtures/smtp-tls.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

import type { ParsedMail } from 'mailparser';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'smtp-tls');
export const TEST_TLS = {
  key: readFileSync(join(FIXTURES, 'key.pem'), 'utf8'),
  cert: readFileSync(join(FIXTURES, 'cert.pem'), 'utf8'),
};

export const SMTP_LOGIN = { user: 'otp-gate@example.com', password: 'smtp-test-password-5f3a9c' };

export type SmtpTls = 'implicit' | 'starttls' | 'none';

export interface ReceivedMail {
  /** Envelope sender and recipients. */
  from: string;
  to: string[];
  /** Who logged in, when anyone did. */
  user: string | undefined;
  /** Whether the session was encrypted (implicit TLS or after STARTTLS). */
  secure: boolean;
  raw: string;
  parsed: ParsedMail;
}

export interface TestSmtpServer {
  port: number;
  received: ReceivedMail[];
  /** Every login tried, with whether it was accepted. */
  logins: Array<{ user: string; accepted: boolean }>;
  /** Recipients the server refuses with 550. */
  refuse: Set<string>;
  /** The `channels:` entry for this server (indented for the gate's channels section), trusting the test CA. */
  config(extra?: string): string;
  /** Waits for the n-th message (1-based). */
  message(n?: number, timeoutMs?: number): Promise<ReceivedMail>;
  close(): Promise<void>;
}

export async function startSmtpServer(options: { tls: SmtpTls; login?: boolean }): Promise<TestSmtpServer> {
  const received: ReceivedMail[] = [];
  const logins: TestSmtpServer['logins'] = [];
  const refuse = new Set<string>();
  const server = new SMTPServer({
    secure: options.tls === 'implicit',
    ...(options.tls === 'none' ? {} : TEST_TLS),
    authOptional: !options.login,
    disabledCommands: [...(options.login ? [] : ['AUTH']), ...(options.tls === 'none' ? ['STARTTLS'] : [])],
    logger: false,
    onAuth(auth, _session, callback) {
      const accepted = auth.username === SMTP_LOGIN.user && auth.password === SMTP_LOGIN.password;
      logins.push({ user: auth.username ?? '', accepted });
      if (accepted) callback(null, { user: auth.username });
      else callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onRcptTo(address, _session, callback) {
      if (refuse.has(address.address))
        callback(Object.assign(new Error(`<${address.address}>: no such user`), { responseCode: 550 }));
      else callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        void simpleParser(raw).then((parsed) => {
          received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            user: typeof session.user === 'string' ? session.user : undefined,
            secure: session.secure,
            raw,
            parsed,
          });
          callback();
        }, callback);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as { port: number }).port;
  return {
    port,
    received,
    logins,
    refuse,
    config: (extra = '') => smtpChannelConfig(port, options, extra),
    async message(n = 1, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < n) {
        if (Date.now() > deadline) throw new Error(`no message #${n} arrived at the test SMTP server`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return received[n - 1]!;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The `email:` channel section for a server on 127.0.0.1:`port`; the test certificate is trusted. */
export function smtpChannelConfig(port: number, options: { tls: SmtpTls; login?: boolean }, extra = ''): string {
  const tls = options.tls === 'none' ? 'opportunistic' : options.tls;
  return [
    'email:',
    '  host: 127.0.0.1',
    `  port: ${port}`,
    `  tls: ${tls}`,
    ...(options.tls === 'none'
      ? []
      : [
          '  ca: |',
          ...TEST_TLS.cert
            .trimEnd()
            .split('\n')
            .map((l) => `    ${l}`),
        ]),
    ...(options.login ? ['  auth:', `    user: ${SMTP_LOGIN.user}`, `    password: ${SMTP_LOGIN.password}`] : []),
    '  from: sign-in@example.com',
    '  from_name: Example sign-in',
    '  timeout: 2s',
    extra,
  ].join('\n');
}

/** A loopback port nothing listens on (for "the SMTP server is down"). */
export async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
