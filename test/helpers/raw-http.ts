// A raw HTTP/1.1 client for attacks that well-behaved clients refuse to send: odd request
// targets, repeated or malformed headers, smuggling attempts. Returns the status code (0 when the
// server closed without answering) and the raw response head.
import net from 'node:net';

export interface RawResponse {
  status: number;
  head: string;
}

export function rawRequest(url: string, text: string, timeoutMs = 5_000): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    let data = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms to:\n${text}`));
    }, timeoutMs);
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      const head = data.split('\r\n\r\n')[0] ?? '';
      resolve({ status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0), head });
    };
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
      if (data.includes('\r\n\r\n')) finish();
    });
    socket.on('end', finish);
    socket.on('error', finish);
    socket.write(text, 'latin1');
  });
}

/** A GET with the given raw request target and extra header lines. */
export function rawGet(
  url: string,
  target: string,
  headers: string[] = [],
  host = new URL(url).host,
): Promise<RawResponse> {
  return rawRequest(
    url,
    [`GET ${target} HTTP/1.1`, `Host: ${host}`, ...headers, 'Connection: close', '', ''].join('\r\n'),
  );
}
