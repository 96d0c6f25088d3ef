// One outbound HTTP call for channels: Node's fetch with a timeout, the answer read as text and,
// when it is JSON, parsed. Network failures and timeouts become ChannelErrors that say what was
// being done and where, never what was sent (the body holds a code and a phone number).
import { ChannelError } from './channel.js';

export interface HttpAnswer {
  status: number;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

export interface HttpCall {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string | undefined;
  timeoutMs: number;
}

/** Largest provider answer read; anything longer is cut (answers are small JSON documents). */
const MAX_ANSWER_CHARS = 64 * 1024;

export async function callProvider(channel: string, doing: string, call: HttpCall): Promise<HttpAnswer> {
  const where = `${call.method} ${describeUrl(call.url)}`;
  let response: Response;
  try {
    response = await fetch(call.url, {
      method: call.method,
      headers: call.headers,
      body: call.body,
      redirect: 'error',
      signal: AbortSignal.timeout(call.timeoutMs),
    });
  } catch (err) {
    const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
    const what = timedOut ? `no answer within ${call.timeoutMs} ms` : 'could not connect';
    throw new ChannelError(channel, `${doing}: ${where}: ${what}`, {
      cause: err,
      kind: timedOut ? 'timeout' : 'network',
    });
  }
  let text: string;
  try {
    text = (await response.text()).slice(0, MAX_ANSWER_CHARS);
  } catch (err) {
    throw new ChannelError(channel, `${doing}: ${where}: answer could not be read`, { cause: err, kind: 'network' });
  }
  return { status: response.status, text, json: parseJson(text) };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Scheme, host and path only: query strings may carry keys (Vonage's api_secret, say). */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(unparsable URL)';
  }
}

/** Reads `a.b.0.c` out of a parsed JSON value; undefined when any step is missing. */
export function jsonPath(value: unknown, path: string): unknown {
  let at: unknown = value;
  for (const step of path.split('.')) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string, unknown>)[step];
  }
  return at;
}
