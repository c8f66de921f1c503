import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError, badInput } from '../../kernel/errors.ts';
import { parseAccept, preferredErrorMediaType } from './accept.ts';
import { asXRoadError, escapeXml, renderXRoadError, XRoadError, xroadErrors } from './errors.ts';

interface ErrorCase {
  name: string;
  error: { factory: keyof typeof xroadErrors; args: unknown[] };
  accept: string | null;
  detailId: string;
  expected: { status: number; headers: Record<string, string>; body: string };
}

const fixture = JSON.parse(
  readFileSync(new URL('./testdata/xroad-errors.json', import.meta.url), 'utf8'),
) as { cases: ErrorCase[] };

describe('rendering gateway errors (golden)', () => {
  for (const c of fixture.cases) {
    it(c.name, () => {
      const make = xroadErrors[c.error.factory] as (...args: unknown[]) => XRoadError;
      const rendered = renderXRoadError(make(...c.error.args), c.accept ?? undefined, c.detailId);
      expect(rendered).toEqual(c.expected);
    });
  }
});

describe('X-Road error types and statuses', () => {
  it('gives each factory the X-Road fault code and status', () => {
    const table: [XRoadError, string, number][] = [
      [xroadErrors.missingClientHeader(), 'Client.InvalidClientIdentifier', 400],
      [xroadErrors.invalidClientId('x'), 'Client.InvalidClientIdentifier', 400],
      [xroadErrors.invalidServiceId('x'), 'Client.BadRequest', 400],
      [xroadErrors.unknownService('s'), 'Server.ServerProxy.UnknownService', 500],
      [xroadErrors.unknownService('s', 'ClientProxy'), 'Server.ClientProxy.UnknownService', 500],
      [xroadErrors.unknownClient('c'), 'Server.ClientProxy.UnknownMember', 500],
      [xroadErrors.accessDenied('c', 's'), 'Server.ServerProxy.AccessDenied', 500],
      [xroadErrors.networkError('x'), 'Server.ServerProxy.NetworkError', 502],
      [xroadErrors.networkError('x', 'ClientProxy'), 'Server.ClientProxy.NetworkError', 502],
      [xroadErrors.timeout('x'), 'Server.ServerProxy.NetworkError', 504],
      [xroadErrors.signatureInvalid('x'), 'Server.ServerProxy.InvalidSignatureValue', 500],
      [xroadErrors.certificateInvalid('x'), 'Server.ServerProxy.CertValidation', 500],
      [xroadErrors.replay('x'), 'Server.ServerProxy.InvalidMessage', 500],
      [xroadErrors.missingPersonalDataHeaders(['X-Road-UserId']), 'Client.MissingHeaderField', 400],
      [xroadErrors.bodyTooLarge(1024), 'Client.BadRequest', 413],
      [xroadErrors.headersTooLarge(), 'Client.BadRequest', 431],
      [xroadErrors.configurationExpired(), 'Server.ClientProxy.OutdatedGlobalConf', 503],
      [xroadErrors.internal('x'), 'Server.ServerProxy.InternalError', 500],
    ];
    for (const [err, type, status] of table) {
      expect(err).toBeInstanceOf(XRoadError);
      expect([err.type, err.status]).toEqual([type, status]);
    }
    expect(xroadErrors.bodyTooLarge(1024).message).toContain('1024 bytes');
  });

  it('derives the status from the type unless given, and refuses malformed types', () => {
    expect(new XRoadError('Client.Whatever', 'm').status).toBe(400);
    expect(new XRoadError('Server.ClientProxy.Whatever', 'm').status).toBe(500);
    expect(new XRoadError('Server.ServerProxy.Whatever', 'm', 503).status).toBe(503);
    for (const bad of ['Oops', 'Client', 'Client.', 'Server.Bad Name', 'Client.X\r\nSet-Cookie: a']) {
      expect(() => new XRoadError(bad, 'm')).toThrow(AppError);
    }
  });

  it('wraps other failures without leaking their text', () => {
    const own = xroadErrors.replay('x');
    expect(asXRoadError(own)).toBe(own);
    const bad = asXRoadError(badInput('ids.invalid_xroad_id', 'the member code is empty'));
    expect([bad.type, bad.status, bad.message]).toEqual([
      'Client.BadRequest',
      400,
      'the member code is empty',
    ]);
    const internal = asXRoadError(new Error('password=hunter2 at db.ts:12'), 'ClientProxy');
    expect(internal.type).toBe('Server.ClientProxy.InternalError');
    expect(internal.message).not.toContain('hunter2');
    expect(internal.cause).toBeInstanceOf(Error);
  });
});

describe('Accept negotiation for error bodies', () => {
  it('picks the type the caller weighs highest, JSON on ties or when nothing fits', () => {
    const table: [string | undefined, string][] = [
      [undefined, 'application/json'],
      ['', 'application/json'],
      ['*/*', 'application/json'],
      ['application/*', 'application/json'],
      ['application/xml', 'application/xml'],
      ['APPLICATION/XML; charset=utf-8', 'application/xml'],
      ['text/xml', 'text/xml'],
      ['text/*', 'text/xml'],
      ['application/json, application/xml', 'application/json'],
      ['application/xml, application/json', 'application/json'],
      ['application/xml;q=0.9, application/json;q=0.8', 'application/xml'],
      ['application/json;q=0, */*', 'application/xml'],
      ['*/*;q=0.1, text/xml;q=0.2', 'text/xml'],
      ['image/png', 'application/json'],
      ['application/json;q=0, application/xml;q=0', 'application/json'],
      ['application/xml;q=2', 'application/json'],
      ['application/xml;q=abc, text/xml;q=0.3', 'text/xml'],
      ['application/xml;profile="a,b;q=0";q=0.9, application/json;q=0.5', 'application/xml'],
      ['garbage, , ;q=1, /xml', 'application/json'],
    ];
    for (const [accept, expected] of table)
      expect([accept, preferredErrorMediaType(accept)]).toEqual([accept, expected]);
  });

  it('reads q-values and ignores accept-extensions after them', () => {
    expect(parseAccept('text/html;level=1;q=0.5;foo=bar, */*;q=0')).toEqual([
      { type: 'text', subtype: 'html', q: 0.5 },
      { type: '*', subtype: '*', q: 0 },
    ]);
  });
});

describe('XML escaping', () => {
  const unescapeXml = (s: string) =>
    s
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&amp;/g, '&');

  it('round-trips every text XML can carry and never emits raw markup', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => {
        const escaped = escapeXml(text);
        expect(escaped).not.toMatch(/[<>"']|&(?!(?:amp|lt|gt|quot|apos);)/);
        expect(unescapeXml(escaped)).toBe(text);
      }),
    );
  });

  it('replaces code points XML 1.0 cannot carry', () => {
    expect(escapeXml('a\u0000b\u001Fc\uFFFEd\uD800e\tf\n')).toBe('a\uFFFDb\uFFFDc\uFFFDd\uFFFDe\tf\n');
    expect(escapeXml('😀')).toBe('😀');
  });
});
