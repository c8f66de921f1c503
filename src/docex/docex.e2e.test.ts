import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDocex, type TestDocex } from '../../test/support/docex.ts';
import { sampleDocument } from './demo/samples.ts';
import { verifyEnvelope } from './edxml/index.ts';

const H49 = '000.00.00.H49';
const G01 = '000.00.00.G01';
const H26 = '000.00.00.H26';

type EdxmlMessageLike = { traceHeaderList?: { bussiness?: { documentId?: string } } };

/** Two agencies exchange a signed edXML document with an attachment through their gateways. */
describe('document axis between agencies, through their gateways', () => {
  let f: TestDocex;
  beforeAll(async () => {
    f = await startTestDocex();
  }, 120_000);
  afterAll(async () => {
    await f?.close();
  });

  const upload = async (agency: string, bytes: Buffer) => {
    const r = await f.api(agency, 'PUT', '/api/v1/blobs', bytes, {
      'content-type': 'application/octet-stream',
    });
    expect(r.status).toBe(201);
    return r.body as unknown as { sha256: string; size: number };
  };
  const waitFor = async <T>(
    what: () => Promise<T | undefined | null | false>,
    label: string | (() => Promise<string>),
  ): Promise<T> => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const v = await what();
      if (v) return v;
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${typeof label === 'string' ? label : await label()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  it('sends, delivers to the inbox exactly once, and carries statuses 01 → 03 → 06 back', async () => {
    const pdf = Buffer.from(`%PDF-1.7 Công văn số 101 — nội dung thử ${'x'.repeat(5000)}`);
    const blob = await upload(H49, pdf);
    expect(blob.sha256).toBe(createHash('sha256').update(pdf).digest('hex'));
    const send = {
      messageHeader: sampleDocument(1, { dueDate: '2026/12/31' }),
      recipients: [G01],
      attachments: [{ sha256: blob.sha256, name: '101-UBND-VP.pdf', contentType: 'application/pdf' }],
    };
    const sent = await f.api(H49, 'POST', '/api/v1/documents', send, { 'idempotency-key': 'send-1' });
    expect(sent.status).toBe(202);
    const id = sent.body['id'] as string;
    expect(sent.body['edxmlDocumentId']).toBe(`${H49},2026/11/23,101/UBND-VP`);
    // The same key again: the same document, not a second one.
    const again = await f.api(H49, 'POST', '/api/v1/documents', send, { 'idempotency-key': 'send-1' });
    expect(again.status).toBe(200);
    expect(again.body['id']).toBe(id);

    const item = await waitFor(async () => {
      const r = await f.api(G01, 'GET', '/api/v1/inbox?after=0');
      return (r.body['items'] as { id: string; subject: string; attachments: { sha256: string }[] }[]).find(
        (i) => i.subject === send.messageHeader.subject,
      );
    }, 'the document in the inbox');
    expect(item.attachments[0]!.sha256).toBe(blob.sha256);
    const download = await fetch(`${f.agencies.get(G01)!.docex.apiUrl}/api/v1/blobs/${blob.sha256}`, {
      headers: { authorization: `Bearer ${f.agencies.get(G01)!.apiKey}` },
    });
    expect(Buffer.from(await download.arrayBuffer()).equals(pdf)).toBe(true);

    // The received envelope verifies with the sender's signature, diacritics intact.
    const inbox = await f.api(G01, 'GET', `/api/v1/inbox/${item.id}`);
    expect((inbox.body['message'] as { messageHeader: { subject: string } }).messageHeader.subject).toBe(
      send.messageHeader.subject,
    );
    const row = await f.agencies
      .get(G01)!
      .docexDatabase.db.selectFrom('docex_inbox')
      .select('envelope')
      .where('id', '=', item.id)
      .executeTakeFirstOrThrow();
    const verified = await verifyEnvelope(row.envelope, {
      trustedCaPem: f.t.registry.ca.root.certificatePem,
    });
    expect(verified.signer.subjectParts.serialNumber).toBe(`VN/GOV/${H49}`);

    await waitFor(async () => {
      const r = await f.api(H49, 'GET', `/api/v1/documents/${id}`);
      const d = (r.body['deliveries'] as { state: string; status: string | null }[])[0]!;
      return d.state === 'delivered' && d.status === '01';
    }, 'delivery and status 01 at the sender');

    expect((await f.api(G01, 'POST', `/api/v1/inbox/${item.id}/ack`)).status).toBe(200);
    expect((await f.api(G01, 'POST', `/api/v1/inbox/${item.id}/status`, { code: '03' })).status).toBe(200);
    const done = await f.api(G01, 'POST', `/api/v1/inbox/${item.id}/status`, {
      code: '06',
      description: 'Đã xử lý xong',
      staffInfo: { department: 'Văn phòng', staff: 'Trần Thị Mai' },
    });
    expect(done.status).toBe(200);
    // Backwards is refused with a clear error.
    const back = await f.api(G01, 'POST', `/api/v1/inbox/${item.id}/status`, { code: '04' });
    expect(back.status).toBe(409);
    expect(back.body['code']).toBe('docex.status_transition');

    const seen = await waitFor(async () => {
      const r = await f.api(H49, 'GET', `/api/v1/documents/${id}`);
      const codes = (r.body['statuses'] as { code: string }[]).map((s) => s.code);
      return codes.includes('06') && r.body;
    }, 'status 06 at the sender');
    expect((seen['statuses'] as { code: string }[]).map((s) => s.code)).toEqual(['01', '03', '06']);
    expect((seen['deliveries'] as { status: string }[])[0]!.status).toBe('06');

    const inboxAll = await f.api(G01, 'GET', '/api/v1/inbox?after=0');
    expect(
      (inboxAll.body['items'] as { subject: string }[]).filter(
        (i) => i.subject === send.messageHeader.subject,
      ),
    ).toHaveLength(1);
  });

  it('sends to a kind of agency, and revokes with the recipients answering 15 or 16', async () => {
    const sent = await f.api(
      H49,
      'POST',
      '/api/v1/documents',
      { messageHeader: sampleDocument(2), recipientKinds: ['ministry', 'province'] },
      { 'idempotency-key': 'send-2' },
    );
    expect(sent.status).toBe(202);
    const id = sent.body['id'] as string;
    expect((sent.body['deliveries'] as { recipient: string }[]).map((d) => d.recipient).sort()).toEqual([
      G01,
      H26,
    ]);

    const inboxOf = async (agency: string, subject: string, businessType: number) => {
      const r = await f.api(agency, 'GET', '/api/v1/inbox?after=0');
      return (r.body['items'] as { id: string; subject: string; businessType: number }[]).find(
        (i) => i.subject === subject && i.businessType === businessType,
      );
    };
    const subject = sampleDocument(2).subject;
    await waitFor(() => inboxOf(G01, subject, 0), 'G01 inbox');
    await waitFor(() => inboxOf(H26, subject, 0), 'H26 inbox');

    const revoke = await f.api(
      H49,
      'POST',
      `/api/v1/documents/${id}/revoke`,
      { reason: 'Ban hành nhầm' },
      {
        'idempotency-key': 'revoke-2',
      },
    );
    expect(revoke.status).toBe(202);
    const revokeId = revoke.body['id'] as string;
    const atG01 = await waitFor(() => inboxOf(G01, subject, 1), 'the revoke at G01');
    const atH26 = await waitFor(() => inboxOf(H26, subject, 1), 'the revoke at H26');
    // A revoke is answered with 15/16 only.
    expect((await f.api(G01, 'POST', `/api/v1/inbox/${atG01.id}/status`, { code: '03' })).status).toBe(409);
    expect((await f.api(G01, 'POST', `/api/v1/inbox/${atG01.id}/status`, { code: '15' })).status).toBe(200);
    expect(
      (
        await f.api(H26, 'POST', `/api/v1/inbox/${atH26.id}/status`, {
          code: '16',
          description: 'Đã ban hành',
        })
      ).status,
    ).toBe(200);

    const answers = await waitFor(async () => {
      const r = await f.api(H49, 'GET', `/api/v1/documents/${revokeId}`);
      const codes = (r.body['statuses'] as { recipient: string; code: string }[]).filter((s) =>
        ['15', '16'].includes(s.code),
      );
      return codes.length === 2 && codes;
    }, '15 and 16 at the sender');
    expect(Object.fromEntries(answers.map((s) => [s.recipient, s.code]))).toEqual({
      [G01]: '15',
      [H26]: '16',
    });
    const original = await f.api(H49, 'GET', `/api/v1/documents/${id}`);
    expect(
      Object.fromEntries(
        (original.body['deliveries'] as { recipient: string; status: string }[]).map((d) => [
          d.recipient,
          d.status,
        ]),
      ),
    ).toEqual({ [G01]: '15', [H26]: '16' });
  });

  it('updates and replaces a sent document; recipients answer 15 or 16; a registry group names recipients', async () => {
    const first = await f.api(
      H49,
      'POST',
      '/api/v1/documents',
      { messageHeader: sampleDocument(3), recipientGroups: ['docex'] },
      { 'idempotency-key': 'send-3' },
    );
    expect(first.status).toBe(202);
    // The group holds every docex node; the sender itself is left out.
    expect((first.body['deliveries'] as { recipient: string }[]).map((d) => d.recipient).sort()).toEqual([
      G01,
      H26,
    ]);
    const id = first.body['id'] as string;
    for (const [type, n, answer] of [
      ['update', 4, '15'],
      ['replace', 5, '16'],
    ] as const) {
      const amended = await f.api(
        H49,
        'POST',
        '/api/v1/documents',
        {
          messageHeader: { ...sampleDocument(n), subject: `${sampleDocument(3).subject} (${type})` },
          amends: { documentId: id, type, reason: `Lý do ${type}` },
        },
        { 'idempotency-key': `${type}-3` },
      );
      expect(amended.status, JSON.stringify(amended.body)).toBe(202);
      expect(amended.body['refersTo']).toBe(id);
      expect((amended.body['deliveries'] as { recipient: string }[]).map((d) => d.recipient).sort()).toEqual([
        G01,
        H26,
      ]);
      const business = type === 'update' ? 2 : 3;
      const item = await waitFor(
        async () => {
          const r = await f.api(G01, 'GET', '/api/v1/inbox?after=0');
          return (r.body['items'] as { id: string; businessType: number; message: EdxmlMessageLike }[]).find(
            (i) =>
              i.businessType === business &&
              i.message.traceHeaderList?.bussiness?.documentId === first.body['edxmlDocumentId'],
          );
        },
        async () =>
          `the ${type} at G01 (${JSON.stringify(f.agencies.get(H49)!.docex.worker.stats())} ${JSON.stringify((await f.api(H49, 'GET', `/api/v1/documents/${amended.body['id']}`)).body['deliveries'])})`,
      );
      expect((await f.api(G01, 'POST', `/api/v1/inbox/${item.id}/status`, { code: answer })).status).toBe(
        200,
      );
      await waitFor(async () => {
        const r = await f.api(H49, 'GET', `/api/v1/documents/${amended.body['id']}`);
        return (r.body['statuses'] as { recipient: string; code: string }[]).some(
          (st) => st.recipient === G01 && st.code === answer,
        );
      }, `${answer} for the ${type} at the sender`);
    }
  });
});
