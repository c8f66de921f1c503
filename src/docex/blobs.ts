import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { type Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError, badInput } from '../kernel/errors.ts';

/**
 * Attachment bytes, content-addressed: a file named by its SHA-256, written once however many
 * documents or recipients share it. A file is written to a temporary name, flushed to disk and
 * renamed, so a name that exists always holds the whole of its bytes.
 */
export interface BlobStore {
  /** Streams bytes in; refuses more than maxBytes and (when given) a digest that does not match. */
  put(
    source: AsyncIterable<Uint8Array | string>,
    expect?: { sha256?: string; maxBytes?: number },
  ): Promise<StoredBlob>;
  /** A sink for a stream of bytes whose digest is learnt at the end (e.g. a package attachment). */
  sink(): BlobSink;
  open(sha256: string): Readable;
  has(sha256: string): Promise<boolean>;
  readonly dir: string;
}

export interface StoredBlob {
  sha256: string;
  size: number;
}

export interface BlobSink {
  writable: Writable;
  /** Call after the writable finished: flushes, renames into place, returns what was stored. */
  commit(): Promise<StoredBlob>;
  abort(): Promise<void>;
}

const SHA256 = /^[0-9a-f]{64}$/;

export function createBlobStore(dir: string): BlobStore {
  const fileOf = (sha256: string) => path.join(dir, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  const tmpDir = path.join(dir, 'tmp');

  const sink = (): BlobSink & { hash(): string } => {
    const tmp = path.join(tmpDir, randomUUID());
    const hash = createHash('sha256');
    let size = 0;
    const ready = mkdir(tmpDir, { recursive: true });
    let out: ReturnType<typeof createWriteStream> | null = null;
    const writable = new Writable({
      async write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void) {
        try {
          await ready;
          out ??= createWriteStream(tmp);
          hash.update(chunk);
          size += chunk.length;
          if (!out.write(chunk)) await new Promise<void>((r) => out?.once('drain', () => r()));
          cb();
        } catch (err) {
          cb(err as Error);
        }
      },
      final(cb: (e?: Error | null) => void) {
        ready
          .then(async () => {
            out ??= createWriteStream(tmp);
            const o = out;
            await new Promise<void>((resolve, reject) => {
              o.once('error', reject);
              o.end(resolve);
            });
            cb();
          })
          .catch((err) => cb(err as Error));
      },
    });
    let digest: string | null = null;
    const hex = () => {
      digest ??= hash.digest('hex');
      return digest;
    };
    return {
      writable,
      hash: hex,
      commit: async () => {
        const sha256 = hex();
        await fsyncFile(tmp);
        const target = fileOf(sha256);
        await mkdir(path.dirname(target), { recursive: true });
        await rename(tmp, target);
        await fsyncDir(path.dirname(target));
        return { sha256, size };
      },
      abort: async () => {
        writable.destroy();
        out?.destroy();
        await rm(tmp, { force: true });
      },
    };
  };

  return {
    dir,
    sink,
    put: async (source, expect = {}) => {
      const s = sink();
      try {
        let seen = 0;
        await pipeline(
          source,
          async function* (chunks: AsyncIterable<Uint8Array | string>) {
            for await (const c of chunks) {
              const b =
                typeof c === 'string' ? Buffer.from(c) : Buffer.from(c.buffer, c.byteOffset, c.byteLength);
              seen += b.length;
              if (expect.maxBytes !== undefined && seen > expect.maxBytes) {
                throw new AppError(
                  'too_large',
                  'docex.attachment_too_large',
                  `Tệp đính kèm vượt quá giới hạn ${expect.maxBytes} byte.`,
                  { details: { maxBytes: expect.maxBytes } },
                );
              }
              yield b;
            }
          },
          s.writable,
        );
        if (expect.sha256 && expect.sha256 !== s.hash()) {
          throw badInput(
            'docex.checksum_mismatch',
            `Mã băm SHA-256 của tệp (${s.hash()}) khác với giá trị đã khai (${expect.sha256}).`,
            { expected: expect.sha256, actual: s.hash() },
          );
        }
        return await s.commit();
      } catch (err) {
        await s.abort();
        throw err;
      }
    },
    open: (sha256) => {
      if (!SHA256.test(sha256)) throw badInput('docex.bad_sha256', 'A SHA-256 is 64 lower-case hex digits.');
      return createReadStream(fileOf(sha256));
    },
    has: async (sha256) => {
      if (!SHA256.test(sha256)) return false;
      try {
        await stat(fileOf(sha256));
        return true;
      } catch {
        return false;
      }
    },
  };
}

async function fsyncFile(file: string): Promise<void> {
  const h = await open(file, 'r+');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const h = await open(dir, 'r');
  try {
    await h.sync();
  } catch {
    // some file systems refuse fsync on a directory; the file itself is already flushed
  } finally {
    await h.close();
  }
}
