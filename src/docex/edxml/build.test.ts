import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildMessage, buildStatus } from './build.ts';
import { parseMessage, parseStatus } from './parse.ts';
import type { EdxmlMessage, EdxmlStatus } from './schema.ts';

const fixtures = path.resolve(import.meta.dirname, '../../../test/fixtures/edxml/valid');
const golden = (name: string) => JSON.parse(readFileSync(path.join(fixtures, `${name}.json`), 'utf8'));
const letter: EdxmlMessage = golden('new-official-letter').message;
const status: EdxmlStatus = golden('status-02').status;

function error(run: () => unknown): { code: string; path: string; rule: string } {
  try {
    run();
  } catch (e) {
    const err = e as { code: string; details: { path: string; rule: string } };
    return { code: err.code, path: err.details.path, rule: err.details.rule };
  }
  throw new Error('expected an error');
}

const withHeader = (patch: Partial<EdxmlMessage['messageHeader']>): EdxmlMessage => ({
  ...letter,
  messageHeader: { ...letter.messageHeader, ...patch },
});

describe('buildMessage', () => {
  it('writes every element with the edXML: prefix, in the standard order', () => {
    const xml = buildMessage(letter);
    const names = [...xml.matchAll(/<([A-Za-z:]+)[\s/>]/g)].map((m) => m[1]);
    expect(names.filter((n) => !n?.startsWith('edXML:'))).toEqual(['lt:Integrity']);
    const order = [
      'From',
      'To',
      'Code',
      'PromulgationInfo',
      'DocumentType',
      'Subject',
      'Content',
      'SignerInfo',
      'DueDate',
      'ToPlaces',
      'OtherInfo',
      'SteeringType',
      'DocumentId',
    ];
    const positions = order.map((n) => xml.indexOf(`<edXML:${n}>`));
    expect(positions.every((p) => p > 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(xml.indexOf('<edXML:MessageHeader>')).toBeLessThan(xml.indexOf('<edXML:TraceHeaderList>'));
  });

  it('escapes markup and carriage returns, and nothing else', () => {
    const xml = buildMessage(
      withHeader({ subject: 'A & B <c> "d" ]]> đ', content: 'dòng 1\r\ndòng 2\ttab' }),
    );
    expect(xml).toContain('<edXML:Subject>A &amp; B &lt;c&gt; "d" ]]&gt; đ</edXML:Subject>');
    expect(xml).toContain('<edXML:Content>dòng 1&#xD;\ndòng 2\ttab</edXML:Content>');
    expect(parseMessage(xml).messageHeader.content).toBe('dòng 1\r\ndòng 2\ttab');
  });

  it('writes empty containers and empty text so they come back as given', () => {
    const m = withHeader({ signerInfo: {}, toPlaces: [], content: '', otherInfo: { appendixes: [] } });
    const xml = buildMessage(m);
    expect(xml).toContain('<edXML:SignerInfo/>');
    expect(xml).toContain('<edXML:ToPlaces/>');
    expect(xml).toContain('<edXML:Content/>');
    expect(parseMessage(xml)).toStrictEqual(m);
  });

  it.each([
    [
      'a missing DocumentId',
      () => withHeader({ documentId: undefined as unknown as string }),
      'docex.edxml.missing_element',
      '/messageHeader/documentId',
    ],
    [
      'a deleted subject',
      () => {
        const { subject: _, ...rest } = letter.messageHeader;
        return { ...letter, messageHeader: rest } as EdxmlMessage;
      },
      'docex.edxml.missing_element',
      '/messageHeader/subject',
    ],
    ['no receiver', () => withHeader({ to: [] }), 'docex.edxml.bad_value', '/messageHeader/to'],
    [
      'a day-first date',
      () => withHeader({ dueDate: '20/03/2026' }),
      'docex.edxml.bad_date',
      '/messageHeader/dueDate',
    ],
    [
      '30 February',
      () => withHeader({ dueDate: '2026/02/30' }),
      'docex.edxml.bad_date',
      '/messageHeader/dueDate',
    ],
    [
      'an agency code in lower case',
      () => withHeader({ to: [{ organId: '000.00.00.h49' }] }),
      'docex.edxml.bad_value',
      '/messageHeader/to/0/organId',
    ],
    [
      'a DocumentId that disagrees with the Code',
      () => withHeader({ code: { codeNumber: '1235', codeNotation: 'UBND-VP' } }),
      'docex.edxml.document_id_mismatch',
      '/messageHeader/documentId',
    ],
    [
      'a blank subject',
      () => withHeader({ subject: '   ' }),
      'docex.edxml.bad_value',
      '/messageHeader/subject',
    ],
    [
      'a control character',
      () => withHeader({ subject: 'a\u0001b' }),
      'docex.edxml.bad_value',
      '/messageHeader/subject',
    ],
    [
      'an unpaired surrogate',
      () => withHeader({ content: 'a\uD800b' }),
      'docex.edxml.bad_value',
      '/messageHeader/content',
    ],
    [
      'an unknown field',
      () => ({ ...letter, extra: 1 }) as unknown as EdxmlMessage,
      'docex.edxml.bad_value',
      '/extra',
    ],
    [
      'a negative page count',
      () => withHeader({ otherInfo: { pageAmount: -1 } }),
      'docex.edxml.bad_value',
      '/messageHeader/otherInfo/pageAmount',
    ],
    [
      'a notation with surrounding spaces',
      () => withHeader({ code: { codeNumber: '1234', codeNotation: ' UBND-VP' } }),
      'docex.edxml.bad_value',
      '/messageHeader/code/codeNotation',
    ],
  ])('refuses %s, naming the JSON path', (_what, make, code, jsonPath) => {
    const e = error(() => buildMessage(make()));
    expect(e.code).toBe(code);
    if (jsonPath) expect(e.path).toBe(jsonPath);
    expect(e.rule).not.toBe('');
  });

  it('refuses business rules the schema cannot express', () => {
    const revokeWithoutId: EdxmlMessage = {
      ...letter,
      traceHeaderList: { bussiness: { bussinessDocType: 1 } },
    };
    expect(error(() => buildMessage(revokeWithoutId))).toMatchObject({
      code: 'docex.edxml.missing_element',
      path: '/traceHeaderList/bussiness/documentId',
    });
    const duplicateIds: EdxmlMessage = {
      ...letter,
      manifest: {
        reference: [
          { contentId: 'a', contentType: 'x/y', attachmentName: 'a' },
          { contentId: 'cid:a', contentType: 'x/y', attachmentName: 'b' },
        ],
      },
    };
    expect(error(() => buildMessage(duplicateIds))).toMatchObject({
      code: 'docex.edxml.bad_value',
      path: '/manifest/reference/1/contentId',
    });
  });
});

describe('buildStatus', () => {
  it('writes the Status header and an empty body', () => {
    const xml = buildStatus(status);
    expect(xml).toContain('<edXML:edXMLHeader>\n    <edXML:Status>');
    expect(xml).toContain('<edXML:edXMLBody/>');
    expect(parseStatus(xml)).toStrictEqual(status);
  });

  it('refuses an unknown status code and a day-first timestamp', () => {
    expect(
      error(() => buildStatus({ ...status, statusCode: '07' as EdxmlStatus['statusCode'] })),
    ).toMatchObject({
      code: 'docex.edxml.bad_value',
      path: '/statusCode',
    });
    expect(error(() => buildStatus({ ...status, timestamp: '03/02/2026 09:07:00' }))).toMatchObject({
      code: 'docex.edxml.bad_date',
      path: '/timestamp',
    });
    expect(error(() => buildStatus({ ...status, timestamp: '2026/02/03 24:00:00' }))).toMatchObject({
      code: 'docex.edxml.bad_date',
      path: '/timestamp',
    });
  });
});
