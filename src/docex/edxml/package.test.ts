import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createRootCa,
  generateKeyPair,
  issueCertificate,
  randomSerialNumber,
} from '../../kernel/pki/index.ts';
import { buildMessage } from './build.ts';
import { type AttachmentSource, readPackage, writePackage } from './package.ts';
import { parseMessage } from './parse.ts';
import type { EdxmlMessage, ManifestReference } from './schema.ts';
import { signEnvelope, verifyEnvelope } from './signature.ts';

const fixtures = path.resolve(import.meta.dirname, '../../../test/fixtures/edxml/valid');
const letterXml = readFileSync(path.join(fixtures, 'new-official-letter.xml'), 'utf8');
const letter = parseMessage(letterXml);
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

const PDF = Buffer.from('Hello world');
const DOCX = randomBytes(70_001);

/** Collects each attachment in memory, for small tests. */
function memorySinks() {
  const files = new Map<string, Buffer>();
  const destroyed: string[] = [];
  const open = ({ contentId }: { contentId: string }) => {
    const parts: Buffer[] = [];
    return new Writable({
      write(chunk: Buffer, _enc, done) {
        parts.push(chunk);
        done();
      },
      final(done) {
        files.set(contentId, Buffer.concat(parts));
        done();
      },
      destroy(error, done) {
        destroyed.push(contentId);
        done(error);
      },
    });
  };
  return { files, destroyed, open };
}

async function text(stream: AsyncIterable<Buffer>): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c);
  return Buffer.concat(parts).toString('utf8');
}

const sources = (): AttachmentSource[] => [
  { contentId: '2', content: [DOCX.subarray(0, 1000), DOCX.subarray(1000)] },
  { contentId: 'cid:1', content: [PDF] },
];

async function rejection(p: Promise<unknown>): Promise<{ code: string; rule: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as { code: string; details?: Record<string, unknown> };
    return { code: err.code, rule: String(err.details?.['rule']) };
  }
  throw new Error('expected a rejection');
}

describe('writePackage → readPackage', () => {
  it('carries the envelope and every attachment, with matching digests on both sides', async () => {
    const { stream, digests } = writePackage(letterXml, sources());
    const packageText = await text(stream);
    expect(
      packageText.startsWith(
        '<?xml version="1.0" encoding="UTF-8"?>\n<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">',
      ),
    ).toBe(true);
    expect(packageText).toContain(
      `<ContentTransferEncoded>${PDF.toString('base64')}</ContentTransferEncoded>`,
    );
    const written = await digests;
    expect(written).toEqual([
      { contentId: '1', size: 11, sha256: sha256(PDF) },
      { contentId: '2', size: DOCX.length, sha256: sha256(DOCX) },
    ]);

    const sinks = memorySinks();
    const read = await readPackage([Buffer.from(packageText, 'utf8')], { openAttachment: sinks.open });
    expect(read.attachments).toEqual(written);
    expect(sinks.files.get('1')?.equals(PDF)).toBe(true);
    expect(sinks.files.get('2')?.equals(DOCX)).toBe(true);
    expect(read.envelope).toStrictEqual({ kind: 'message', message: letter });
    expect(parseMessage(read.envelopeXml)).toStrictEqual(letter);
  });

  it('reads the same package however the bytes are split', async () => {
    const packageText = await text(writePackage(letterXml, sources()).stream);
    const bytes = Buffer.from(packageText, 'utf8');
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 60 }),
        async (cuts) => {
          const chunks: Buffer[] = [];
          let at = 0;
          for (const n of cuts) {
            if (at >= bytes.length) break;
            chunks.push(bytes.subarray(at, at + n));
            at += n;
          }
          if (at < bytes.length) chunks.push(bytes.subarray(at));
          const sinks = memorySinks();
          const read = await readPackage(chunks, { openAttachment: sinks.open });
          expect(read.attachments.map((a) => a.sha256)).toEqual([sha256(PDF), sha256(DOCX)]);
          expect(sinks.files.get('2')?.equals(DOCX)).toBe(true);
          expect(read.envelope).toStrictEqual({ kind: 'message', message: letter });
        },
      ),
      { numRuns: 40 },
    );
  });

  it('keeps a signed envelope verifiable through the package, and lets the caller verify before any attachment', async () => {
    const now = new Date('2026-03-10T00:00:00Z');
    const ca = await createRootCa({
      commonName: 'Root',
      organization: 'Cục Chuyển đổi số quốc gia',
      country: 'VN',
      validityDays: 3650,
      now,
    });
    const keys = generateKeyPair();
    const certificatePem = await issueCertificate({
      ca,
      publicKeyPem: keys.publicKeyPem,
      profile: 'sign',
      subject: {
        commonName: 'VP UBND',
        organization: 'UBND tỉnh Quảng Ninh',
        serialNumber: 'VN/GOV/000.00.01.H49',
        country: 'VN',
      },
      serialNumber: randomSerialNumber(),
      notBefore: now,
      validityDays: 30,
    });
    const signed = signEnvelope(letterXml, { privateKeyPem: keys.privateKeyPem, certificatePem });
    const packageText = await text(writePackage(signed, sources()).stream);
    const order: string[] = [];
    const sinks = memorySinks();
    const read = await readPackage([packageText], {
      onEnvelope: async (_env, xml) => {
        await verifyEnvelope(xml, { trustedCaPem: ca.certificatePem, now });
        order.push('verified');
      },
      openAttachment: (info) => {
        order.push(`open ${info.contentId}`);
        return sinks.open(info);
      },
    });
    expect(order).toEqual(['verified', 'open 1', 'open 2']);
    await expect(
      verifyEnvelope(read.envelopeXml, { trustedCaPem: ca.certificatePem, now }),
    ).resolves.toBeDefined();

    const tampered = packageText.replace('V/v triển khai', 'V/v tạm dừng');
    const opened: string[] = [];
    const failure = await rejection(
      readPackage([tampered], {
        onEnvelope: (_env, xml) => verifyEnvelope(xml).then(() => undefined),
        openAttachment: (info) => {
          opened.push(info.contentId);
          return sinks.open(info);
        },
      }),
    );
    expect(failure.code).toBe('docex.edxml.bad_signature');
    expect(opened).toEqual([]);
  });

  it('reads a package written by another system: prefixes declared on the root, wrapped base64, cid: differences', async () => {
    const envelope = letterXml
      .replace('<?xml version="1.0" encoding="UTF-8"?>\n', '')
      .replace(' xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016"', '');
    const wrapped = (DOCX.toString('base64').match(/.{1,76}/g) ?? []).join('&#13;\r\n');
    const packageText =
      '<?xml version="1.0" encoding="utf-8"?>\r\n' +
      '<edXML xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016" xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016">' +
      envelope +
      '<AttachmentEncoded>' +
      `<Attachment><ContentType>application/pdf</ContentType><ContentId>cid:1</ContentId><Description>Văn bản chính</Description><edXML:ContentTransferEncoded>${PDF.toString('base64')}</edXML:ContentTransferEncoded><AttachmentName>1234-UBND-VP.pdf</AttachmentName></Attachment>` +
      `<Attachment><ContentId>2</ContentId><ContentTransferEncoded>\r\n${wrapped}\r\n</ContentTransferEncoded><Note>ignored</Note></Attachment>` +
      '</AttachmentEncoded></edXML>';
    const sinks = memorySinks();
    const read = await readPackage([Buffer.from(packageText, 'utf8')], { openAttachment: sinks.open });
    expect(sinks.files.get('2')?.equals(DOCX)).toBe(true);
    expect(read.envelope).toStrictEqual({ kind: 'message', message: letter });
    expect(read.envelopeXml.startsWith('<edXML:edXMLEnvelope xmlns:xsi=')).toBe(true);
  });

  it('accepts a bare envelope (no attachments) as a package', async () => {
    const minimal = readFileSync(path.join(fixtures, 'minimal.xml'));
    const read = await readPackage([minimal], { openAttachment: () => new Writable() });
    expect(read.attachments).toEqual([]);
    expect(read.envelope.kind).toBe('message');
    const roundTrip = await text(writePackage(minimal, []).stream);
    expect(roundTrip).not.toContain('AttachmentEncoded');
    await expect(readPackage([roundTrip], { openAttachment: () => new Writable() })).resolves.toBeDefined();
  });
});

describe('package rejections', () => {
  let packageText: string;
  beforeAll(async () => {
    packageText = await text(writePackage(letterXml, sources()).stream);
  });
  const attachment1 = () =>
    /<Attachment>\n<ContentId>1<\/ContentId>[\s\S]*?<\/Attachment>\n/.exec(packageText)?.[0] ?? '';

  it('writer: missing, extra or repeated attachments', () => {
    const only = (ids: string[]) => sources().filter((s) => ids.includes(s.contentId));
    expect(() => writePackage(letterXml, only(['2']))).toThrow(
      expect.objectContaining({ code: 'docex.edxml.attachment_mismatch' }),
    );
    expect(() => writePackage(letterXml, [...sources(), { contentId: '3', content: [] }])).toThrow(
      expect.objectContaining({ code: 'docex.edxml.attachment_mismatch' }),
    );
    expect(() => writePackage(letterXml, [...sources(), { contentId: '1', content: [] }])).toThrow(
      expect.objectContaining({ code: 'docex.edxml.attachment_mismatch' }),
    );
  });

  it('writer: content that differs from the manifest digest, or is too large, fails the stream', async () => {
    const wrong = sources().map((s) =>
      s.contentId === 'cid:1' ? { ...s, content: [Buffer.from('Hello World')] } : s,
    );
    const { stream, digests } = writePackage(letterXml, wrong);
    expect((await rejection(text(stream))).code).toBe('docex.edxml.attachment_mismatch');
    expect((await rejection(digests)).code).toBe('docex.edxml.attachment_mismatch');
    const big = writePackage(letterXml, sources(), { maxAttachmentBytes: 1000 });
    expect((await rejection(text(big.stream))).code).toBe('docex.edxml.attachment_too_large');
  });

  it.each([
    ['a missing attachment', () => packageText.replace(attachment1(), ''), 'docex.edxml.attachment_mismatch'],
    [
      'an attachment not in the manifest',
      () => packageText.replace(attachment1(), attachment1().replace('<ContentId>1<', '<ContentId>9<')),
      'docex.edxml.attachment_mismatch',
    ],
    [
      'a repeated attachment',
      () => packageText.replace(attachment1(), attachment1() + attachment1()),
      'docex.edxml.attachment_mismatch',
    ],
    [
      'content that differs from the manifest digest',
      () => packageText.replace(PDF.toString('base64'), Buffer.from('Hello World').toString('base64')),
      'docex.edxml.attachment_mismatch',
    ],
    [
      'a ContentType that differs from the manifest',
      () => packageText.replace('<ContentType>application/pdf<', '<ContentType>text/html<'),
      'docex.edxml.attachment_mismatch',
    ],
    [
      'characters outside base64',
      () => packageText.replace(PDF.toString('base64'), 'SGVsbG8gd29y!GQ='),
      'docex.edxml.bad_base64',
    ],
    [
      'data after the padding',
      () => packageText.replace(PDF.toString('base64'), 'SGVsbG8=d29ybGQ='),
      'docex.edxml.bad_base64',
    ],
    [
      'a truncated base64 text',
      () => packageText.replace(PDF.toString('base64'), 'SGVsbG8gd29ybG'),
      'docex.edxml.bad_base64',
    ],
    [
      'ContentId after the content',
      () =>
        packageText
          .replace('<ContentId>1</ContentId>\n', '')
          .replace(
            `${PDF.toString('base64')}</ContentTransferEncoded>`,
            `${PDF.toString('base64')}</ContentTransferEncoded><ContentId>1</ContentId>`,
          ),
      'docex.edxml.bad_package',
    ],
    [
      'attachments before the envelope',
      () =>
        packageText.replace(
          /(<edXML:edXMLEnvelope[\s\S]*<\/edXML:edXMLEnvelope>\n)(<AttachmentEncoded>[\s\S]*<\/AttachmentEncoded>\n)/,
          '$2$1',
        ),
      'docex.edxml.bad_package',
    ],
    [
      'no envelope at all',
      () => packageText.replace(/<edXML:edXMLEnvelope[\s\S]*<\/edXML:edXMLEnvelope>/, ''),
      'docex.edxml.bad_package',
    ],
    [
      'an invalid envelope',
      () => packageText.replace('<edXML:PromulgationDate>2026/03/10', '<edXML:PromulgationDate>10/03/2026'),
      'docex.edxml.bad_date',
    ],
    [
      'a DOCTYPE',
      () => packageText.replace('<edXML xmlns', '<!DOCTYPE edXML [<!ENTITY x "y">]><edXML xmlns'),
      'docex.edxml.dtd_not_allowed',
    ],
    ['a truncated package', () => packageText.slice(0, packageText.length - 40), 'docex.edxml.malformed_xml'],
  ])('reader: %s', async (_what, make, code) => {
    const tampered = make();
    expect(tampered).not.toBe(packageText);
    expect((await rejection(readPackage([tampered], { openAttachment: memorySinks().open }))).code).toBe(
      code,
    );
  });

  it('reader: an attachment over the limit, and the half-written sink is destroyed', async () => {
    const sinks = memorySinks();
    expect(
      (
        await rejection(
          readPackage([packageText], { openAttachment: sinks.open, maxAttachmentBytes: 50_000 }),
        )
      ).code,
    ).toBe('docex.edxml.attachment_too_large');
    expect(sinks.destroyed).toContain('2');
  });

  it('reader: invalid UTF-8', async () => {
    const bytes = Buffer.from(packageText, 'utf8');
    const broken = Buffer.concat([bytes.subarray(0, 300), Buffer.from([0xc3, 0x28]), bytes.subarray(300)]);
    expect((await rejection(readPackage([broken], { openAttachment: memorySinks().open }))).code).toBe(
      'docex.edxml.malformed_xml',
    );
  });
});

describe('memory', () => {
  it('streams a 100 MB attachment through writer and reader without holding it', {
    timeout: 300_000,
  }, async () => {
    const SIZE = 100 * 1024 * 1024;
    const CHUNK = 64 * 1024;
    const reference: ManifestReference = {
      contentId: 'big',
      contentType: 'application/octet-stream',
      attachmentName: 'hồ-sơ-lưu-trữ.bin',
    };
    const message: EdxmlMessage = { ...letter, manifest: { reference: [reference] } };
    const sent = createHash('sha256');
    async function* generate() {
      for (let left = SIZE; left > 0; left -= CHUNK) {
        const chunk = randomBytes(Math.min(CHUNK, left));
        sent.update(chunk);
        yield chunk;
      }
    }
    const received = createHash('sha256');
    let receivedBytes = 0;
    let peakRss = 0;
    const sink = new Writable({
      highWaterMark: CHUNK,
      write(chunk: Buffer, _enc, done) {
        received.update(chunk);
        receivedBytes += chunk.length;
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
        done();
      },
    });
    globalThis.gc?.();
    const baseline = process.memoryUsage().rss;
    const { stream, digests } = writePackage(buildMessage(message), [
      { contentId: 'big', content: generate() },
    ]);
    const read = await readPackage(stream, { openAttachment: () => sink });
    const expected = sent.digest('hex');
    expect(receivedBytes).toBe(SIZE);
    expect(received.digest('hex')).toBe(expected);
    expect(read.attachments).toEqual([{ contentId: 'big', size: SIZE, sha256: expected }]);
    expect(await digests).toEqual(read.attachments);
    const growthMb = (peakRss - baseline) / (1024 * 1024);
    expect(growthMb).toBeLessThan(60);
  });
});
