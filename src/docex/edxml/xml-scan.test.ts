import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Base64Decoder, Base64Encoder } from './base64.ts';
import { scanAll, XmlScanner, type XmlToken } from './xml-scan.ts';

const LIMITS = { maxDepth: 32, maxTokenChars: 1 << 20 };

function tokensOf(chunks: string[]): string[] {
  const scanner = new XmlScanner(LIMITS);
  const out: string[] = [];
  const take = (t: XmlToken) => {
    // Text may arrive in pieces; join adjacent pieces so chunkings compare equal.
    const last = out.length - 1;
    if (t.kind === 'text' && out[last]?.startsWith('text:')) out[last] += t.text;
    else out.push(t.kind === 'text' ? `text:${t.text}` : `${t.kind}:${t.raw}`);
  };
  for (const c of chunks) {
    scanner.push(c);
    for (let t = scanner.next(false); t; t = scanner.next(false)) take(t);
  }
  for (let t = scanner.next(true); t; t = scanner.next(true)) take(t);
  scanner.finish();
  return out;
}

const SAMPLE =
  '<?xml version="1.0" encoding="UTF-8"?>\r\n<!-- chú thích & -->\n<r a="1 &amp; 2" b=\'x\'>' +
  'Văn bản &lt;số&gt; &#x1F600; &#13;\r\nhết<![CDATA[<b>&amp;</b>]]><e:x xmlns:e="urn:e"/><y  z = "&quot;" ></y></r>\n';

describe('XmlScanner', () => {
  it('yields the same tokens however the input is chunked', () => {
    const whole = tokensOf([SAMPLE]);
    expect(whole).toContain('text:Văn bản <số> 😀 \r\nhết');
    fc.assert(
      fc.property(fc.array(fc.nat({ max: SAMPLE.length }), { maxLength: 20 }), (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const chunks = [0, ...points].map((p, i) => SAMPLE.slice(p, points[i] ?? SAMPLE.length));
        expect(tokensOf(chunks)).toEqual(whole);
      }),
    );
  });

  it('reports start and end depth, attributes decoded and offsets exact', () => {
    const seen: XmlToken[] = [];
    scanAll(SAMPLE, LIMITS, (t) => seen.push(t));
    const r = seen.find((t) => t.kind === 'start' && t.name === 'r');
    expect(r).toMatchObject({
      depth: 1,
      attributes: [
        { name: 'a', value: '1 & 2' },
        { name: 'b', value: 'x' },
      ],
    });
    for (const t of seen) expect(SAMPLE.slice(t.offset, t.offset + t.raw.length)).toBe(t.raw);
    expect(seen.find((t) => t.kind === 'end' && t.name === 'r')).toMatchObject({ depth: 1 });
  });

  it.each([
    ['<a><b></a></b>', 'docex.edxml.malformed_xml'],
    ['<a>&unknown;</a>', 'docex.edxml.malformed_xml'],
    ['<a>&#1;</a>', 'docex.edxml.malformed_xml'],
    ['<a>&#xD800;</a>', 'docex.edxml.malformed_xml'],
    ['<a b="1" b="2"/>', 'docex.edxml.malformed_xml'],
    ['<a b=1/>', 'docex.edxml.malformed_xml'],
    ['<a/><b/>', 'docex.edxml.malformed_xml'],
    ['x<a/>', 'docex.edxml.malformed_xml'],
    ['<a>', 'docex.edxml.malformed_xml'],
    [' <?xml version="1.0"?><a/>', 'docex.edxml.malformed_xml'],
    ['<?xml version="1.0" encoding="windows-1258"?><a/>', 'docex.edxml.malformed_xml'],
    ['<!DOCTYPE a SYSTEM "http://evil/x.dtd"><a/>', 'docex.edxml.dtd_not_allowed'],
    ['<a><!ENTITY x "y"></a>', 'docex.edxml.dtd_not_allowed'],
    [`${'<a>'.repeat(40)}${'</a>'.repeat(40)}`, 'docex.edxml.too_large'],
  ])('refuses %s', (xml, code) => {
    expect(() => scanAll(xml, LIMITS, () => {})).toThrow(expect.objectContaining({ code }));
  });

  it('caps a markup token that never ends, without rescanning it for every chunk', () => {
    const scanner = new XmlScanner({ maxDepth: 32, maxTokenChars: 100_000 });
    scanner.push('<a b="');
    expect(() => {
      for (let i = 0; i < 200; i++) {
        scanner.push('x'.repeat(1000));
        scanner.next(false);
      }
    }).toThrow(expect.objectContaining({ code: 'docex.edxml.too_large' }));
  });
});

describe('Base64 in pieces', () => {
  it('encodes and decodes any bytes split anywhere, like Buffer does in one go', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }),
        fc.array(fc.nat({ max: 200 }), { maxLength: 6 }),
        fc.nat({ max: 300 }),
        (bytes, cuts, wrap) => {
          const buf = Buffer.from(bytes);
          const encoder = new Base64Encoder();
          const points = [...new Set(cuts.map((c) => Math.min(c, buf.length)))].sort((a, b) => a - b);
          let encoded = '';
          let from = 0;
          for (const p of [...points, buf.length]) {
            encoded += encoder.push(buf.subarray(from, p));
            from = p;
          }
          encoded += encoder.end();
          expect(encoded).toBe(buf.toString('base64'));
          // Receivers see line-wrapped text split at arbitrary places.
          const width = 1 + (wrap % 80);
          const text = (encoded.match(new RegExp(`.{1,${width}}`, 'g')) ?? []).join('\r\n');
          const decoder = new Base64Decoder('x');
          const parts: Buffer[] = [];
          for (let i = 0; i < text.length; i += width + 3)
            parts.push(decoder.push(text.slice(i, i + width + 3)));
          decoder.end();
          expect(Buffer.concat(parts).equals(buf)).toBe(true);
        },
      ),
    );
  });

  it.each([['SGVs!G8='], ['SGVsbG8=SGVs'], ['SGVsbG8'], ['SG==='], ['S===']])('refuses %s', (text) => {
    const d = new Base64Decoder('AttachmentEncoded/Attachment[1]/ContentTransferEncoded');
    expect(() => {
      d.push(text);
      d.end();
    }).toThrow(expect.objectContaining({ code: 'docex.edxml.bad_base64' }));
  });
});
