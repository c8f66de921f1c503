import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../kernel/errors.ts';
import {
  EXCLUDED_HASH_HEADERS,
  headersBlock,
  headersDigest,
  type RequestHashInput,
  requestHash,
} from './request-hash.ts';

interface HashCase {
  name: string;
  method: string;
  pathAndQuery: string;
  rawHeaders: string[];
  requestId: string;
  generatedXRoadId?: string;
  body: null | { utf8: string } | { base64: string };
  expectedBlock: string;
  expectedHash: string;
}

const fixture = JSON.parse(
  readFileSync(new URL('./testdata/request-hash.json', import.meta.url), 'utf8'),
) as { cases: HashCase[] };

const work = mkdtempSync(path.join(tmpdir(), 'lienthong-request-hash-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** SHA-512 by the openssl binary: an implementation independent of the code under test. */
function opensslSha512(data: Buffer): Buffer {
  const file = path.join(work, 'input');
  writeFileSync(file, data);
  return execFileSync('openssl', ['dgst', '-sha512', '-binary', file]);
}

const bodyBytes = (c: HashCase): Buffer | null =>
  c.body === null
    ? null
    : 'utf8' in c.body
      ? Buffer.from(c.body.utf8, 'utf8')
      : Buffer.from(c.body.base64, 'base64');

/** What Node's http parser hands over: one latin1 character per byte received. */
const asReceived = (text: string) => Buffer.from(text, 'utf8').toString('latin1');

function inputOf(c: HashCase): RequestHashInput {
  const body = bodyBytes(c);
  return {
    method: c.method,
    pathAndQuery: c.pathAndQuery,
    rawHeaders: c.rawHeaders.map(asReceived),
    requestId: c.requestId,
    ...(c.generatedXRoadId === undefined ? {} : { generatedXRoadId: c.generatedXRoadId }),
    bodySha512: body === null ? null : opensslSha512(body),
  };
}

describe('X-Road-Request-Hash golden cases', () => {
  it('has at least four worked examples', () => {
    expect(fixture.cases.length).toBeGreaterThanOrEqual(4);
  });

  for (const c of fixture.cases) {
    it(c.name, () => {
      const block = Buffer.from(c.expectedBlock, 'utf8');
      const body = bodyBytes(c);
      const expected = body
        ? opensslSha512(Buffer.concat([opensslSha512(block), opensslSha512(body)]))
        : opensslSha512(block);
      // The stored value and an openssl recomputation agree, so the fixture itself is sound.
      expect(expected.toString('base64')).toBe(c.expectedHash);

      const input = inputOf(c);
      expect(headersBlock(input).equals(block)).toBe(true);
      expect(headersDigest(input).equals(opensslSha512(block))).toBe(true);
      expect(requestHash(input)).toBe(c.expectedHash);
    });
  }
});

describe('request hash over a real Node request', () => {
  it('matches the golden value from what a Node server receives, chunked body included', async () => {
    const c = fixture.cases.find((x) => x.method === 'PUT')!;
    const body = bodyBytes(c)!;
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (d: Buffer) => chunks.push(d));
      req.on('end', () => {
        const hash = requestHash({
          method: req.method!,
          pathAndQuery: req.url!,
          rawHeaders: req.rawHeaders,
          requestId: c.requestId,
          generatedXRoadId: c.generatedXRoadId!,
          bodySha512: opensslSha512(Buffer.concat(chunks)),
        });
        res.end(hash);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as net.AddressInfo;
      const head = [`${c.method} ${c.pathAndQuery} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close'];
      for (let i = 0; i < c.rawHeaders.length; i += 2)
        head.push(`${c.rawHeaders[i]}: ${c.rawHeaders[i + 1]}`);
      const half = Math.floor(body.length / 2);
      const chunk = (b: Buffer) =>
        Buffer.concat([Buffer.from(`${b.length.toString(16)}\r\n`), b, Buffer.from('\r\n')]);
      const wire = Buffer.concat([
        Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'utf8'),
        chunk(body.subarray(0, half)),
        chunk(body.subarray(half)),
        Buffer.from('0\r\n\r\n'),
      ]);
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = net.connect(port, '127.0.0.1', () => socket.write(wire));
        const got: Buffer[] = [];
        socket.on('data', (d) => got.push(d));
        socket.on('end', () => resolve(Buffer.concat(got).toString('latin1')));
        socket.on('error', reject);
      });
      expect(answer.split('\r\n\r\n')[1]).toContain(c.expectedHash);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('request hash rules', () => {
  const base: RequestHashInput = {
    method: 'GET',
    pathAndQuery: '/r1/VN/GOV/000.00.00.G01/population/citizens',
    rawHeaders: ['X-Road-Client', 'VN/GOV/000.00.12.H49/dossier'],
    requestId: 'rid-1',
  };

  it('leaves out exactly the headers REFERENCE §4 lists, whatever their case', () => {
    expect([...EXCLUDED_HASH_HEADERS].sort()).toEqual(
      [
        'transfer-encoding',
        'keep-alive',
        'proxy-authenticate',
        'proxy-authorization',
        'te',
        'trailer',
        'upgrade',
        'connection',
        'user-agent',
        'host',
        'content-length',
        'server',
        'expect',
      ].sort(),
    );
    for (const name of EXCLUDED_HASH_HEADERS) {
      for (const spelled of [
        name,
        name.toUpperCase(),
        name.replace(/(^|-)([a-z])/g, (m) => m.toUpperCase()),
      ]) {
        const withIt = { ...base, rawHeaders: [...base.rawHeaders, spelled, 'x'] };
        expect(requestHash(withIt)).toBe(requestHash(base));
      }
    }
  });

  it('ignores incoming request id and hash headers but hashes every other header', () => {
    const forged = {
      ...base,
      rawHeaders: ['X-Road-Request-Id', 'other', ...base.rawHeaders, 'x-road-request-hash', 'h'],
    };
    expect(requestHash(forged)).toBe(requestHash(base));
    const extra = { ...base, rawHeaders: [...base.rawHeaders, 'Accept', '*/*'] };
    expect(requestHash(extra)).not.toBe(requestHash(base));
    const reordered = { ...base, rawHeaders: ['Accept', '*/*', ...base.rawHeaders] };
    expect(requestHash(reordered)).not.toBe(requestHash(extra));
  });

  it('treats a missing body as null, and an empty body as a body', () => {
    const emptyBodyDigest = opensslSha512(Buffer.alloc(0));
    expect(requestHash({ ...base, bodySha512: null })).toBe(requestHash(base));
    expect(requestHash({ ...base, bodySha512: emptyBodyDigest })).not.toBe(requestHash(base));
  });

  it('refuses input that cannot have been received or would forge lines', () => {
    const rejected = (input: RequestHashInput) => {
      try {
        requestHash(input);
      } catch (err) {
        return isAppError(err) ? err.code : 'other';
      }
      return 'accepted';
    };
    expect(rejected({ ...base, rawHeaders: ['X-Odd'] })).toBe('gateway.invalid_hash_input');
    expect(rejected({ ...base, requestId: 'a\r\nx-road-id:b' })).toBe('gateway.invalid_hash_input');
    expect(rejected({ ...base, requestId: '' })).toBe('gateway.invalid_hash_input');
    expect(rejected({ ...base, rawHeaders: ['X-Name', 'Nguyễn'] })).toBe('gateway.invalid_hash_input');
    expect(rejected({ ...base, pathAndQuery: '/r1/a\nb' })).toBe('gateway.invalid_hash_input');
    expect(rejected({ ...base, bodySha512: Buffer.alloc(32) })).toBe('gateway.invalid_hash_input');
  });
});
