import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENCIES, startTestDocex, type TestDocex } from '../../test/support/docex.ts';
import { sampleDocument } from './demo/samples.ts';

const H49 = '000.00.00.H49';
const G01 = '000.00.00.G01';
const SECRET = 'bí-mật-của-hệ-thống-văn-bản';

interface Delivered {
  event: string;
  body: { id: number; event: string; data: Record<string, unknown>; agency: string };
  signature: string;
  raw: string;
}

/** The document systems of both agencies get signed webhooks instead of polling. */
describe('docex webhooks', () => {
  let f: TestDocex;
  let server: Server;
  const received: Delivered[] = [];
  let failNext = 1;
  beforeAll(async () => {
    server = createServer(async (req, res) => {
      let raw = '';
      for await (const c of req) raw += c;
      // The first call fails: the event must come again, not be lost.
      if (failNext-- > 0) {
        res.writeHead(503).end();
        return;
      }
      received.push({
        event: String(req.headers['x-lienthong-event']),
        body: JSON.parse(raw),
        signature: String(req.headers['x-lienthong-signature']),
        raw,
      });
      res.writeHead(204).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    f = await startTestDocex(AGENCIES.slice(0, 2), {
      webhook: () => ({ url, secret: SECRET }),
      limits: { retryBaseMs: 50, retryMaxMs: 200 },
    });
  }, 120_000);
  afterAll(async () => {
    await f?.close();
    server?.close();
  });

  const verify = (d: Delivered) => {
    const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(d.signature)!;
    expect(m).not.toBeNull();
    const expected = createHmac('sha256', SECRET).update(`${m[1]}.${d.raw}`).digest();
    return timingSafeEqual(expected, Buffer.from(m[2]!, 'hex'));
  };

  it('tells the recipient of the document and the sender of each status, signed, despite a failed first try', async () => {
    const sent = await f.api(
      H49,
      'POST',
      '/api/v1/documents',
      { messageHeader: sampleDocument(40), recipients: [G01] },
      { 'idempotency-key': 'hook-1' },
    );
    expect(sent.status).toBe(202);
    const until = async (pred: () => boolean, what: string) => {
      const end = Date.now() + 20_000;
      while (!pred()) {
        if (Date.now() > end) throw new Error(`timed out: ${what} (${JSON.stringify(received)})`);
        f.t.clock.advance(300);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    await until(() => received.some((d) => d.event === 'document.received'), 'document.received');
    const doc = received.find((d) => d.event === 'document.received')!;
    expect(doc.body.agency).toBe(G01);
    expect(doc.body.data).toMatchObject({ sender: H49, subject: sampleDocument(40).subject });
    expect(verify(doc)).toBe(true);
    expect(verify({ ...doc, raw: doc.raw.replace('H49', 'H26') })).toBe(false);

    await until(() => received.some((d) => d.event === 'status.received'), 'status.received for 01');
    const status = received.find((d) => d.event === 'status.received')!;
    expect(status.body.agency).toBe(H49);
    expect(status.body.data).toMatchObject({ documentId: sent.body['id'], recipient: G01, code: '01' });
    expect(verify(status)).toBe(true);
    // Each event once, even though the first delivery attempt was refused.
    expect(received.filter((d) => d.event === 'document.received')).toHaveLength(1);
  });
});
