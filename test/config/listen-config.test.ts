// server.listen as host:port or a Unix socket, and what a socket needs beside it, each mistake
// named at its file:line:col.
import { describe, expect, it } from 'vitest';

import { compileConfigText, configProblems, MINIMAL_FROM_ENV as MINIMAL, SECRET_ENV } from '../helpers/config-text.js';

const problems = (text: string) => configProblems(MINIMAL + text, SECRET_ENV);
const compile = (text: string) => compileConfigText(MINIMAL + text, SECRET_ENV);

describe('server.listen', () => {
  it('takes host:port, with no socket', () => {
    const { server } = compile('server:\n  listen: "127.0.0.1:9000"\n');
    expect([server.host, server.port, server.socket]).toEqual(['127.0.0.1', 9000, undefined]);
  });

  it('takes a Unix socket as nginx spells it, with its permission bits', () => {
    const { server } = compile('server:\n  listen: "unix:/run/otp-gate/gate.sock"\n  trusted_proxies: ["unix"]\n');
    expect([server.socket, server.socketMode]).toEqual(['/run/otp-gate/gate.sock', 0o660]);
    const open = compile(
      'server:\n  listen: "unix:/run/otp-gate/gate.sock"\n  socket_mode: "666"\n  trusted_proxies: ["unix"]\n',
    );
    expect(open.server.socketMode).toBe(0o666);
  });

  it('refuses a socket path that is not absolute', () => {
    expect(problems('server:\n  listen: "unix:gate.sock"\n  trusted_proxies: ["unix"]\n')).toEqual([
      'gate.yaml:10:11: expected "host:port", like "0.0.0.0:8080" or "[::]:8080", or "unix:" and an absolute path, got "unix:gate.sock" (server.listen)',
    ]);
  });

  it('asks for "unix" in trusted_proxies, or every client would count as one address', () => {
    expect(problems('server:\n  listen: "unix:/run/gate.sock"\n')).toEqual([
      'gate.yaml:9:1: listen is a Unix socket: add "unix" to trusted_proxies, so the front proxy\'s X-Forwarded-For names each client (server.trusted_proxies)',
    ]);
  });

  it('refuses several workers on one socket', () => {
    const text =
      'server:\n  listen: "unix:/run/gate.sock"\n  trusted_proxies: ["unix"]\n  workers: 2\nstore:\n  type: redis\n  url: redis://r:6379\n';
    expect(problems(text)).toEqual([
      'gate.yaml:12:12: one process listens on a Unix socket: use workers: 1, or several gates on several sockets (server.workers)',
    ]);
  });

  it('refuses permission bits that are not octal', () => {
    expect(
      problems('server:\n  listen: "unix:/run/gate.sock"\n  socket_mode: "0o660"\n  trusted_proxies: ["unix"]\n'),
    ).toEqual(['gate.yaml:11:16: expected octal permission bits, like "660", got "0o660" (server.socket_mode)']);
  });
});
