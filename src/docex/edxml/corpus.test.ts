import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../kernel/errors.ts';
import { buildMessage, buildStatus } from './build.ts';
import { type ParsedEdxml, parseEdxml } from './parse.ts';

/**
 * The golden corpus: every valid file parses to its recorded JSON and rebuilds to XML that
 * parses to the same JSON; every invalid file is refused with its recorded code and path.
 */
const root = path.resolve(import.meta.dirname, '../../../test/fixtures/edxml');
const valid = readdirSync(path.join(root, 'valid')).filter((f) => f.endsWith('.xml'));
const invalid = JSON.parse(readFileSync(path.join(root, 'invalid', 'expected.json'), 'utf8')) as Record<
  string,
  { code: string; path?: string | null; why?: string }
>;

const build = (p: ParsedEdxml) => (p.kind === 'message' ? buildMessage(p.message) : buildStatus(p.status));

describe('golden corpus: valid', () => {
  it('has the business types and status codes it should cover', () => {
    const parsed = valid.map((f) => parseEdxml(readFileSync(path.join(root, 'valid', f))));
    const types = parsed.flatMap((p) =>
      p.kind === 'message' ? [p.message.traceHeaderList?.bussiness?.bussinessDocType] : [],
    );
    expect(new Set(types)).toEqual(new Set([0, 1, 2, 3, undefined]));
    const codes = parsed.flatMap((p) => (p.kind === 'status' ? [p.status.statusCode] : []));
    expect(codes.sort()).toEqual(['01', '02', '03', '04', '05', '06', '13', '15', '16']);
  });

  it.each(valid)('%s parses to its golden JSON and rebuilds losslessly', (file) => {
    const xml = readFileSync(path.join(root, 'valid', file));
    const golden = JSON.parse(
      readFileSync(path.join(root, 'valid', file.replace(/\.xml$/, '.json')), 'utf8'),
    );
    const parsed = parseEdxml(xml);
    expect(parsed).toStrictEqual(golden);
    const rebuilt = build(parsed);
    expect(parseEdxml(rebuilt)).toStrictEqual(golden);
    expect(build(parseEdxml(rebuilt))).toBe(rebuilt);
    expect(rebuilt).toContain('<edXML:edXMLEnvelope xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016">');
  });
});

describe('golden corpus: invalid', () => {
  it('has at least a dozen cases', () => {
    expect(Object.keys(invalid).length).toBeGreaterThanOrEqual(12);
    expect(
      readdirSync(path.join(root, 'invalid'))
        .filter((f) => f.endsWith('.xml'))
        .sort(),
    ).toEqual(Object.keys(invalid).sort());
  });

  it.each(Object.entries(invalid))('%s is refused with %o', (file, expected) => {
    let error: unknown;
    try {
      parseEdxml(readFileSync(path.join(root, 'invalid', file)));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AppError);
    const e = error as AppError;
    expect(e.code).toBe(expected.code);
    expect(e.details?.['rule']).toEqual(expect.any(String));
    if (typeof expected.path === 'string') expect(e.details?.['path']).toBe(expected.path);
  });
});
