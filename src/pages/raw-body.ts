// Reads a request body as raw bytes, size-capped: webhook signatures are computed over exactly
// the bytes the provider sent, never over a re-serialised parse.
import type { IncomingMessage } from 'node:http';

import { GateError, text } from './gate-error.js';

export async function readRawBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limitBytes) throw tooLarge();
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

function tooLarge(): GateError {
  return new GateError(413, 'payload_too_large', {
    heading: text('errors.too_large_heading'),
    text: text('errors.too_large_request'),
  });
}
