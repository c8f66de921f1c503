import { Value } from '@sinclair/typebox/value';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as arb from '../../../test/fixtures/edxml/arbitraries.ts';
import { buildMessage, buildStatus } from './build.ts';
import { parseEdxml, parseMessage, parseStatus } from './parse.ts';
import { EdxmlMessage, EdxmlStatus } from './schema.ts';

describe('JSON ↔ XML round trips', () => {
  it('every generated message is schema-valid and survives build → parse unchanged', () => {
    fc.assert(
      fc.property(arb.message, (m) => {
        expect(Value.Check(EdxmlMessage, m)).toBe(true);
        const xml = buildMessage(m);
        expect(parseMessage(xml)).toStrictEqual(m);
        expect(parseEdxml(Buffer.from(xml, 'utf8'))).toStrictEqual({ kind: 'message', message: m });
      }),
      { numRuns: 300 },
    );
  });

  it('build is stable: building what was parsed gives the same bytes', () => {
    fc.assert(
      fc.property(arb.message, (m) => {
        const xml = buildMessage(m);
        expect(buildMessage(parseMessage(xml))).toBe(xml);
        expect(buildMessage(m)).toBe(xml);
      }),
      { numRuns: 150 },
    );
  });

  it('the JSON form survives serialisation, so a REST body carries the message losslessly', () => {
    fc.assert(
      fc.property(arb.message, (m) => {
        const overTheWire = JSON.parse(JSON.stringify(m)) as EdxmlMessage;
        expect(overTheWire).toStrictEqual(m);
        expect(buildMessage(overTheWire)).toBe(buildMessage(m));
        expect(JSON.parse(JSON.stringify(parseMessage(buildMessage(overTheWire))))).toStrictEqual(m);
      }),
      { numRuns: 100 },
    );
  });

  it('status messages round-trip too', () => {
    fc.assert(
      fc.property(arb.status, (s) => {
        expect(Value.Check(EdxmlStatus, s)).toBe(true);
        const xml = buildStatus(s);
        expect(parseStatus(xml)).toStrictEqual(s);
        expect(buildStatus(parseStatus(xml))).toBe(xml);
      }),
      { numRuns: 200 },
    );
  });

  it('Vietnamese text keeps its exact code points, whether NFC, NFD or mixed', () => {
    fc.assert(
      fc.property(arb.message, arb.nonBlankText(120), (m, text) => {
        for (const form of [text, text.normalize('NFC'), text.normalize('NFD')]) {
          const withText = {
            ...m,
            messageHeader: { ...m.messageHeader, subject: form, content: `${form}\r\n${form}` },
          };
          const back = parseMessage(Buffer.from(buildMessage(withText), 'utf8')).messageHeader;
          expect(back.subject).toBe(form);
          expect(Buffer.from(back.subject, 'utf8').equals(Buffer.from(form, 'utf8'))).toBe(true);
          expect(back.content).toBe(`${form}\r\n${form}`);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('keeps a fixed NFC and NFD pair apart', () => {
    const nfc = 'Ủy ban nhân dân tỉnh Quảng Ninh'.normalize('NFC');
    const nfd = nfc.normalize('NFD');
    expect(nfd).not.toBe(nfc);
    const m = fc.sample(arb.message, { numRuns: 1, seed: 42 })[0] as EdxmlMessage;
    const from = { ...m.messageHeader.from, organName: nfc, organizationInCharge: nfd };
    const parsed = parseMessage(buildMessage({ ...m, messageHeader: { ...m.messageHeader, from } }));
    expect(parsed.messageHeader.from.organName).toBe(nfc);
    expect(parsed.messageHeader.from.organizationInCharge).toBe(nfd);
    expect([...(parsed.messageHeader.from.organizationInCharge ?? '')].length).toBeGreaterThan(
      [...nfc].length,
    );
  });
});
