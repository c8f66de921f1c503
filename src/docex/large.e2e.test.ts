import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENCIES, startTestDocex, type TestDocex } from '../../test/support/docex.ts';
import { sampleDocument } from './demo/samples.ts';

const H49 = '000.00.00.H49';
const G01 = '000.00.00.G01';
const SIZE = 100 * 1024 * 1024;

/** A 100 MB attachment, streamed end to end: upload, both gateways, the recipient's store. */
describe('a 100 MB attachment through the document axis', () => {
  let f: TestDocex;
  beforeAll(async () => {
    f = await startTestDocex(AGENCIES.slice(0, 2));
  }, 120_000);
  afterAll(async () => {
    await f?.close();
  });

  it('arrives whole, checked by its SHA-256', async () => {
    // Generated as a stream, never held whole: deterministic blocks, hashed as they go.
    const block = Buffer.alloc(1024 * 1024);
    const hash = createHash('sha256');
    const body = Readable.from(
      (function* () {
        for (let i = 0; i < SIZE / block.length; i++) {
          block.fill(i % 251);
          block.write(`khối ${i} — tệp đính kèm rất lớn`, 0);
          hash.update(block);
          yield Buffer.from(block);
        }
      })(),
    );
    const sender = f.agencies.get(H49)!;
    const res = await fetch(`${sender.docex.apiUrl}/api/v1/blobs`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${sender.apiKey}`, 'content-type': 'application/octet-stream' },
      body: body as unknown as ReadableStream,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(201);
    const blob = (await res.json()) as { sha256: string; size: number };
    expect(blob).toEqual({ sha256: hash.digest('hex'), size: SIZE });

    const sent = await f.api(
      H49,
      'POST',
      '/api/v1/documents',
      {
        messageHeader: sampleDocument(60),
        recipients: [G01],
        attachments: [
          { sha256: blob.sha256, name: 'ho-so-lon.bin', contentType: 'application/octet-stream' },
        ],
      },
      { 'idempotency-key': 'large-1' },
    );
    expect(sent.status).toBe(202);
    const deadline = Date.now() + 240_000;
    type Item = { attachments: { sha256: string; size: number }[] };
    let item: Item | undefined;
    while (!item) {
      const r = await f.api(G01, 'GET', '/api/v1/inbox?after=0');
      item = (r.body['items'] as Item[]).find((i) => i.attachments[0]?.sha256 === blob.sha256);
      if (!item) {
        if (Date.now() > deadline) {
          const d = await f.api(H49, 'GET', `/api/v1/documents/${sent.body['id']}`);
          throw new Error(`the large document did not arrive: ${JSON.stringify(d.body['deliveries'])}`);
        }
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    expect(item.attachments[0]).toMatchObject({ sha256: blob.sha256, size: SIZE });
    // The recipient's copy is read back and hashed again: the bytes, not just the record.
    const recipient = f.agencies.get(G01)!;
    const download = await fetch(`${recipient.docex.apiUrl}/api/v1/blobs/${blob.sha256}`, {
      headers: { authorization: `Bearer ${recipient.apiKey}` },
    });
    const again = createHash('sha256');
    let size = 0;
    for await (const chunk of download.body as unknown as AsyncIterable<Uint8Array>) {
      again.update(chunk);
      size += chunk.length;
    }
    expect(size).toBe(SIZE);
    expect(again.digest('hex')).toBe(blob.sha256);
  }, 300_000);
});
