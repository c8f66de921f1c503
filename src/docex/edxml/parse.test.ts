import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEdxml, parseMessage, parseStatus } from './parse.ts';

const fixtures = path.resolve(import.meta.dirname, '../../../test/fixtures/edxml/valid');
const minimal = readFileSync(path.join(fixtures, 'minimal.xml'), 'utf8');
const status = readFileSync(path.join(fixtures, 'status-03.xml'), 'utf8');

function error(run: () => unknown): { code: string; path?: string; category: string } {
  try {
    run();
  } catch (e) {
    const err = e as { code: string; category: string; details?: { path?: string } };
    return { code: err.code, path: err.details?.path, category: err.category };
  }
  throw new Error('expected an error');
}

describe('parseEdxml', () => {
  it('tells a document message from a status message', () => {
    expect(parseEdxml(minimal).kind).toBe('message');
    expect(parseEdxml(status).kind).toBe('status');
    expect(error(() => parseStatus(minimal))).toMatchObject({
      code: 'docex.edxml.missing_element',
      path: 'edXMLEnvelope/edXMLHeader/Status',
    });
    expect(error(() => parseMessage(status))).toMatchObject({
      code: 'docex.edxml.missing_element',
      path: 'edXMLEnvelope/edXMLHeader/MessageHeader',
    });
  });

  it('reads UTF-8 bytes with or without a byte-order mark, and refuses other bytes', () => {
    const bytes = Buffer.from(minimal, 'utf8');
    const expected = parseMessage(minimal);
    expect(parseMessage(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]))).toStrictEqual(expected);
    expect(parseMessage(new Uint8Array(bytes))).toStrictEqual(expected);
    const latin1 = Buffer.from(minimal.replace('báo cáo', 'b\u00e1o'), 'latin1');
    expect(error(() => parseMessage(latin1)).code).toBe('docex.edxml.malformed_xml');
  });

  it('ignores unknown elements, foreign namespaces, comments and attributes, wherever they are', () => {
    const noisy = minimal
      .replace(
        '<edXML:MessageHeader>',
        '<edXML:MessageHeader lang="vi"><!-- ghi chú --><edXML:Unknown><x/></edXML:Unknown>',
      )
      .replace('</edXML:From>', '<ext:Level xmlns:ext="urn:x">2</ext:Level></edXML:From>')
      .replace('</edXML:edXMLHeader>', '<edXML:DigitalSignature/></edXML:edXMLHeader>')
      .replace('<edXML:edXMLBody/>', '<edXML:edXMLBody><edXML:Extra/></edXML:edXMLBody>');
    expect(parseMessage(noisy)).toStrictEqual(parseMessage(minimal));
  });

  it('reads inner elements written without any namespace', () => {
    const bare = minimal.replace(/<(\/?)edXML:(?!edXML)/g, '<$1');
    expect(bare).toContain('<MessageHeader>');
    expect(parseMessage(bare)).toStrictEqual(parseMessage(minimal));
  });

  it('trims codes and dates, keeps free text exactly, treats empty dates and numbers as absent', () => {
    const spaced = minimal
      .replace(
        '<edXML:OrganId>000.00.00.G22</edXML:OrganId>',
        '<edXML:OrganId>\n   000.00.00.G22\n</edXML:OrganId>',
      )
      .replace('2026/01/05</edXML:PromulgationDate>', ' 2026/01/05 </edXML:PromulgationDate>')
      .replace('</edXML:Subject>', '</edXML:Subject><edXML:DueDate> </edXML:DueDate><edXML:SteeringType/>')
      .replace('V/v báo cáo', '  V/v báo cáo');
    const m = parseMessage(spaced);
    expect(m.messageHeader.from.organId).toBe('000.00.00.G22');
    expect(m.messageHeader.promulgationInfo.promulgationDate).toBe('2026/01/05');
    expect(m.messageHeader.subject.startsWith('  V/v báo cáo')).toBe(true);
    expect('dueDate' in m.messageHeader).toBe(false);
    expect('steeringType' in m.messageHeader).toBe(false);
  });

  it('refuses an element with children where text belongs', () => {
    const nested = minimal.replace('<edXML:Subject>', '<edXML:Subject><edXML:b>V/v</edXML:b>');
    expect(error(() => parseMessage(nested))).toMatchObject({
      code: 'docex.edxml.bad_value',
      path: 'edXMLEnvelope/edXMLHeader/MessageHeader/Subject',
    });
  });

  it('applies caller limits, answering 413-category errors', () => {
    expect(error(() => parseMessage(minimal, { limits: { maxBytes: 500 } }))).toMatchObject({
      code: 'docex.edxml.too_large',
      category: 'too_large',
    });
    expect(error(() => parseMessage(minimal, { limits: { maxElements: 10 } })).code).toBe(
      'docex.edxml.too_large',
    );
    expect(error(() => parseMessage(minimal, { limits: { maxDepth: 3 } })).code).toBe(
      'docex.edxml.too_large',
    );
  });

  it('refuses processing instructions inside the envelope', () => {
    const pi = minimal.replace('<edXML:Subject>', '<?php echo 1 ?><edXML:Subject>');
    expect(error(() => parseMessage(pi)).code).toBe('docex.edxml.malformed_xml');
  });

  it('refuses a second header and a header outside the namespace', () => {
    const twice = minimal.replace('<edXML:edXMLBody/>', '<edXML:edXMLHeader/><edXML:edXMLBody/>');
    expect(error(() => parseMessage(twice))).toMatchObject({
      code: 'docex.edxml.duplicate_element',
      path: 'edXMLEnvelope/edXMLHeader',
    });
    const foreign = minimal
      .replace('<edXML:edXMLHeader>', '<h:edXMLHeader xmlns:h="urn:other">')
      .replace('</edXML:edXMLHeader>', '</h:edXMLHeader>');
    expect(error(() => parseMessage(foreign))).toMatchObject({
      code: 'docex.edxml.bad_namespace',
      path: 'edXMLEnvelope/edXMLHeader',
    });
  });
});
