import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { XRoadError } from '../protocol/errors.ts';

/**
 * A message body read once, hashed while it arrives, and kept in memory when small or in a
 * temporary file when large: a body is signed and verified before anyone acts on it, yet a
 * 100 MB body costs a few kilobytes of memory, not 100 MB.
 */
export interface SpooledBody {
  size: number;
  /** SHA-256 of the bytes, hex: what signatures and the message log record. */
  sha256: string;
  /** SHA-512 digest, for X-Road-Request-Hash. */
  sha512: Buffer;
  /** The bytes again, as many times as needed (a retry to another gateway reads it anew). */
  stream(): Readable;
  /** The bytes in memory, when the body was small enough to keep there. */
  buffer: Buffer | null;
  dispose(): Promise<void>;
}

export interface SpoolOptions {
  /** Bodies up to this size stay in memory (default 1 MiB). */
  memoryLimit?: number;
  /** Larger bodies are refused (default 110 MiB). */
  maxSize?: number;
  /** Directory for spool files (default the OS temp directory). */
  dir?: string;
}

const EMPTY_SHA256 = createHash('sha256').digest('hex');
const EMPTY_SHA512 = createHash('sha512').digest();

export const EMPTY_BODY: SpooledBody = {
  size: 0,
  sha256: EMPTY_SHA256,
  sha512: EMPTY_SHA512,
  buffer: Buffer.alloc(0),
  stream: () => Readable.from([]),
  dispose: async () => {},
};

export async function spoolBody(
  source: AsyncIterable<Buffer | string>,
  options: SpoolOptions = {},
): Promise<SpooledBody> {
  const memoryLimit = options.memoryLimit ?? 1024 * 1024;
  const maxSize = options.maxSize ?? 110 * 1024 * 1024;
  const h256 = createHash('sha256');
  const h512 = createHash('sha512');
  const chunks: Buffer[] = [];
  let size = 0;
  let file: { dir: string; path: string; out: WriteStream } | null = null;
  try {
    for await (const raw of source) {
      const chunk = typeof raw === 'string' ? Buffer.from(raw) : raw;
      size += chunk.length;
      if (size > maxSize)
        throw new XRoadError('Client.BadRequest', `The message body is larger than ${maxSize} bytes.`, 413);
      h256.update(chunk);
      h512.update(chunk);
      if (file) {
        if (!file.out.write(chunk)) await new Promise<void>((r) => file!.out.once('drain', () => r()));
      } else if (size > memoryLimit) {
        const dir = await mkdtemp(path.join(options.dir ?? tmpdir(), 'lt-body-'));
        const out = createWriteStream(path.join(dir, 'body'));
        file = { dir, path: path.join(dir, 'body'), out };
        for (const c of chunks) out.write(c);
        chunks.length = 0;
        if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      } else {
        chunks.push(chunk);
      }
    }
    if (file) {
      file.out.end();
      await finished(file.out);
    }
  } catch (err) {
    if (file) {
      file.out.destroy();
      await rm(file.dir, { recursive: true, force: true });
    }
    throw err;
  }
  const sha256 = h256.digest('hex');
  const sha512 = h512.digest();
  if (!file) {
    const buffer = Buffer.concat(chunks, size);
    return {
      size,
      sha256,
      sha512,
      buffer,
      stream: () => Readable.from(size ? [buffer] : []),
      dispose: async () => {},
    };
  }
  const spool = file;
  return {
    size,
    sha256,
    sha512,
    buffer: null,
    stream: () => createReadStream(spool.path, { highWaterMark: 64 * 1024 }),
    dispose: () => rm(spool.dir, { recursive: true, force: true }),
  };
}

/** What the message log keeps of a body: the bytes when they are in memory, else their digest. */
export function logBody(body: SpooledBody) {
  return body.buffer ? { body: body.buffer } : { bodyDigest: { sha256: body.sha256, size: body.size } };
}

/** Sends a spooled body as an outgoing request's body, and ends the request. */
export function writeBody(
  out: NodeJS.WritableStream & { end(chunk?: Buffer): unknown },
  body: SpooledBody,
): void {
  if (body.size === 0) out.end();
  else if (body.buffer) out.end(body.buffer);
  else body.stream().pipe(out);
}
