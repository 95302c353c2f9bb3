import type { IncomingMessage } from 'node:http';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';

const gunzipAsync = promisify(gunzip);

/** Why an inbound body could not be read: the HTTP status to answer and a message naming the problem. */
export class BodyError extends Error {
  constructor(readonly status: 400 | 413 | 415, message: string) {
    super(message);
  }
}

/** Reads an inbound request body up to `maxBytes`, gunzipping it when it says `Content-Encoding: gzip`. */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  if (Number(req.headers['content-length'] ?? 0) > maxBytes) throw new BodyError(413, `body larger than ${maxBytes} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new BodyError(413, `body larger than ${maxBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  const body = Buffer.concat(chunks, size);
  const encoding = String(req.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding === 'identity') return body;
  if (encoding !== 'gzip') throw new BodyError(415, `content-encoding ${encoding} is not supported`);
  try {
    return await gunzipAsync(body, { maxOutputLength: maxBytes });
  } catch (error) {
    throw new BodyError(400, `bad gzip body: ${(error as Error).message}`);
  }
}
