import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../kernel/errors.ts';
import {
  createRootCa,
  generateKeyPair,
  issueCertificate,
  randomSerialNumber,
} from '../../kernel/pki/index.ts';
import { readPackage, writePackage } from './package.ts';
import { parseEdxml } from './parse.ts';
import { signEnvelope, verifyEnvelope } from './signature.ts';

/**
 * Whatever arrives, the codec answers with a docex.edxml.* AppError or a result: never a
 * TypeError, a stack overflow or a hang.
 */
const root = path.resolve(import.meta.dirname, '../../../test/fixtures/edxml');
const corpus = [
  ...readdirSync(path.join(root, 'valid'))
    .filter((f) => f.endsWith('.xml'))
    .map((f) => readFileSync(path.join(root, 'valid', f), 'utf8')),
  ...readdirSync(path.join(root, 'invalid'))
    .filter((f) => f.endsWith('.xml'))
    .map((f) => readFileSync(path.join(root, 'invalid', f), 'utf8')),
];

function expectOnlyEdxmlErrors(run: () => unknown): void {
  try {
    run();
  } catch (e) {
    if (!(e instanceof AppError) || !e.code.startsWith('docex.edxml.')) throw e;
  }
}

async function expectOnlyEdxmlErrorsAsync(run: () => Promise<unknown>): Promise<void> {
  try {
    await run();
  } catch (e) {
    if (!(e instanceof AppError) || !e.code.startsWith('docex.edxml.')) throw e;
  }
}

const XML_BITS = [
  '<',
  '>',
  '/>',
  '</',
  '&',
  ';',
  '&amp;',
  '&#x',
  '&#0;',
  '"',
  "'",
  '=',
  ':',
  '<?xml version="1.0"?>',
  '<?pi x?>',
  '<!--',
  '-->',
  '<![CDATA[',
  ']]>',
  '<!DOCTYPE x>',
  '<!ENTITY',
  'edXML:',
  'xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016"',
  'xmlns=""',
  'edXMLEnvelope',
  'edXMLHeader',
  'edXMLBody',
  'MessageHeader',
  'Status',
  'Signature',
  '\u0000',
  '\uD800',
  'Ủy ban',
  ' ',
  '\n',
];
const xmlish = fc
  .array(fc.oneof(fc.constantFrom(...XML_BITS), fc.string({ maxLength: 5 })), { maxLength: 80 })
  .map((a) => a.join(''));

/** Edits a document the way transmission bugs and attackers do: cut, duplicate, splice, overwrite. */
const mutated = fc
  .tuple(
    fc.constantFrom(...corpus),
    fc.array(
      fc.tuple(
        fc.constantFrom('delete', 'duplicate', 'insert', 'overwrite', 'swap'),
        fc.nat(),
        fc.nat(),
        fc.oneof(fc.constantFrom(...XML_BITS), fc.string({ maxLength: 4, unit: 'binary' })),
      ),
      { minLength: 1, maxLength: 4 },
    ),
  )
  .map(([doc, edits]) => {
    let s = doc;
    for (const [op, a, b, bit] of edits) {
      const i = a % (s.length + 1);
      const j = Math.min(s.length, i + (b % 64));
      if (op === 'delete') s = s.slice(0, i) + s.slice(j);
      else if (op === 'duplicate') s = s.slice(0, j) + s.slice(i, j) + s.slice(j);
      else if (op === 'insert') s = s.slice(0, i) + bit + s.slice(i);
      else if (op === 'overwrite') s = s.slice(0, i) + bit + s.slice(i + bit.length);
      else s = s.slice(0, i) + s.slice(j, j + (j - i)) + s.slice(i, j) + s.slice(j + (j - i));
    }
    return s;
  });

describe('fuzz: parser', () => {
  it('random strings and bytes', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), xmlish), (s) => {
        expectOnlyEdxmlErrors(() => parseEdxml(s));
      }),
      { numRuns: 1500 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        expectOnlyEdxmlErrors(() => parseEdxml(b));
      }),
      { numRuns: 300 },
    );
  });

  it('mutated corpus files', () => {
    fc.assert(
      fc.property(mutated, (s) => {
        expectOnlyEdxmlErrors(() => parseEdxml(s));
        expectOnlyEdxmlErrors(() => parseEdxml(Buffer.from(s, 'utf8')));
      }),
      { numRuns: 1500 },
    );
  });

  it('deep and wide inputs stay within the limits', () => {
    const deep = `${'<a>'.repeat(100_000)}${'</a>'.repeat(100_000)}`;
    expect(() => parseEdxml(deep)).toThrow(expect.objectContaining({ code: 'docex.edxml.too_large' }));
    const wide = `<edXML:edXMLEnvelope xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016">${'<x/>'.repeat(200_000)}</edXML:edXMLEnvelope>`;
    expect(() => parseEdxml(wide)).toThrow(expect.objectContaining({ code: 'docex.edxml.too_large' }));
    expect(() => parseEdxml('<a>'.padEnd(9 * 1024 * 1024, 'x'))).toThrow(
      expect.objectContaining({ code: 'docex.edxml.too_large', category: 'too_large' }),
    );
    expect(() => parseEdxml(`<a b="${'x'.repeat(1000)}`)).toThrow(
      expect.objectContaining({ code: 'docex.edxml.malformed_xml' }),
    );
  });
});

describe('fuzz: signature and package', () => {
  let signed: string;
  let packageText: string;
  beforeAll(async () => {
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
        commonName: 'VP',
        organization: 'UBND',
        serialNumber: 'VN/GOV/000.00.01.H49',
        country: 'VN',
      },
      serialNumber: randomSerialNumber(),
      notBefore: now,
      validityDays: 30,
    });
    const letter = readFileSync(path.join(root, 'valid', 'new-official-letter.xml'), 'utf8');
    signed = signEnvelope(letter, { privateKeyPem: keys.privateKeyPem, certificatePem });
    const parts: Buffer[] = [];
    const { stream } = writePackage(letter, [
      { contentId: '1', content: [Buffer.from('Hello world')] },
      { contentId: '2', content: [Buffer.from('Phụ lục I')] },
    ]);
    for await (const c of stream) parts.push(c as Buffer);
    packageText = Buffer.concat(parts).toString('utf8');
  });

  const edit = (doc: () => string) =>
    fc
      .tuple(
        fc.nat(),
        fc.nat({ max: 40 }),
        fc.oneof(fc.constantFrom(...XML_BITS), fc.string({ maxLength: 3 })),
      )
      .map(([at, len, bit]) => {
        const s = doc();
        const i = at % (s.length + 1);
        return s.slice(0, i) + bit + s.slice(i + len);
      });

  it('mutated signed envelopes verify or fail with an edXML code', async () => {
    await fc.assert(
      fc.asyncProperty(
        edit(() => signed),
        async (s) => {
          await expectOnlyEdxmlErrorsAsync(() => verifyEnvelope(s));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('mutated packages read or fail with an edXML code', async () => {
    const sink = () => new Writable({ write: (_c, _e, done) => done() });
    await fc.assert(
      fc.asyncProperty(
        edit(() => packageText),
        async (s) => {
          await expectOnlyEdxmlErrorsAsync(() => readPackage([s], { openAttachment: sink }));
        },
      ),
      { numRuns: 400 },
    );
  });
});
