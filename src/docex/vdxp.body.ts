import type { Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import { AppError, badInput } from '../kernel/errors.ts';
import type { StaffInfo } from './edxml/index.ts';

// What a VDXP call brings in and sends back on the wire: its parameters, wherever the SDK put
// them, the edXML package in its body, and the streamed Base64 answer of getEdoc.

/** The SDK's success envelope; every answer spreads it. */
export const OK = { status: 'OK', ErrorCode: '0', ErrorDesc: 'Success' } as const;
const EMPTY = Buffer.alloc(0);
const CRLF = Buffer.from('\r\n');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * A parameter as the SDK sends it (header, or header prefixed `XroadVnpt-`), or from the query
 * or a JSON/form body; names are compared without case, as HTTP headers are.
 */
export function param(req: FastifyRequest, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const key of [lower, `xroadvnpt-${lower}`]) {
    const v = req.headers[key];
    if (typeof v === 'string' && v.trim() !== '') return v.trim();
  }
  for (const bag of [req.query, req.body]) {
    if (!bag || typeof bag !== 'object' || typeof (bag as Readable).pipe === 'function') continue;
    for (const [k, v] of Object.entries(bag)) {
      if (
        k.toLowerCase() === lower &&
        (typeof v === 'string' || typeof v === 'number') &&
        String(v).trim() !== ''
      )
        return String(v).trim();
    }
  }
  return undefined;
}

export const missing = (name: string) =>
  badInput('docex.vdxp.missing_parameter', `Thiếu tham số "${name}" (tiêu đề HTTP, query hoặc JSON).`, {
    name,
  });

export function required(req: FastifyRequest, name: string): string {
  const v = param(req, name);
  if (v === undefined) throw missing(name);
  return v;
}

export function uuid(id: string): string {
  if (!UUID.test(id)) throw badInput('docex.bad_document_id', `Mã văn bản "${id}" không phải UUID.`);
  return id;
}

/** `servicetype` must be the SDK's `eDoc` when given; answers `messagetype` (edoc | status). */
export function messageType(req: FastifyRequest, fallback: 'edoc' | 'status'): 'edoc' | 'status' {
  const service = param(req, 'servicetype');
  if (service !== undefined && service.toLowerCase() !== 'edoc') {
    throw badInput(
      'docex.vdxp.unsupported_service_type',
      `Dịch vụ "${service}" không được hỗ trợ: dùng servicetype eDoc.`,
    );
  }
  const type = (param(req, 'messagetype') ?? fallback).toLowerCase();
  if (type !== 'edoc' && type !== 'status') {
    throw badInput(
      'docex.vdxp.unsupported_message_type',
      `Loại gói tin "${type}" không được hỗ trợ: dùng edoc hoặc status.`,
    );
  }
  return type;
}

export function limitOf(req: FastifyRequest): number {
  const raw = param(req, 'limit');
  if (raw === undefined) return 100;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 1000) {
    throw badInput('docex.vdxp.bad_limit', `Tham số limit (${raw}) phải là số nguyên từ 1 đến 1000.`);
  }
  return n;
}

export function staffOf(body: unknown): StaffInfo | undefined {
  const s = body && typeof body === 'object' ? (body as Record<string, unknown>)['staffInfo'] : undefined;
  if (!s || typeof s !== 'object') return undefined;
  const picked = Object.fromEntries(
    ['department', 'staff', 'mobile', 'email']
      .map((k) => [k, (s as Record<string, unknown>)[k]])
      .filter(([, v]) => typeof v === 'string' && v !== ''),
  );
  return Object.keys(picked).length ? picked : undefined;
}

/** The bytes of an edXML package in a request body, whatever way the document system sent it. */
export function packageBody(req: FastifyRequest): AsyncIterable<Buffer> {
  const type = req.headers['content-type'] ?? '';
  const body = req.body as Readable | undefined;
  if (!body || typeof body.pipe !== 'function') {
    throw new AppError(
      'unsupported_media',
      'docex.vdxp.bad_content_type',
      'Gửi gói edXML với Content-Type application/xml, application/octet-stream hoặc multipart/form-data (phần file_doc).',
    );
  }
  if (!/^multipart\/form-data/i.test(type)) return packageBytes(body);
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(type);
  if (!m) throw badMultipart('thiếu boundary trong Content-Type');
  return packageBytes(body, m[1] ?? m[2]);
}

const badMultipart = (why: string) =>
  badInput('docex.vdxp.bad_multipart', `Biểu mẫu multipart không đọc được: ${why}.`);

/**
 * The package bytes of a body: the body itself, or the first file part of a multipart form
 * (the SDK posts the package as part `file_doc`). A body declared as octet-stream that starts
 * with `--` is read as multipart too, since the SDK sets that Content-Type on its multipart
 * posts. Streams: only a boundary's length of bytes is held back at a time.
 */
export async function* packageBytes(
  body: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  boundary?: string,
): AsyncGenerator<Buffer> {
  let delimiter = boundary === undefined ? null : Buffer.from(`\r\n--${boundary}`);
  let state: 'sniff' | 'raw' | 'preamble' | 'headers' | 'body' | 'skip' | 'done' = delimiter
    ? 'preamble'
    : 'sniff';
  // A leading CRLF lets the first boundary, which has none before it, match the delimiter.
  let buf: Buffer = CRLF;
  for await (const piece of body) {
    const chunk =
      typeof piece === 'string'
        ? Buffer.from(piece)
        : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    if (state === 'raw') {
      yield chunk;
      continue;
    }
    if (state === 'done') continue; // the epilogue is read and dropped, so the request ends cleanly
    buf = Buffer.concat([buf, chunk]);
    if (state === 'sniff') {
      const s = buf.subarray(2);
      if (s.length < 2) continue;
      if (s[0] !== 0x2d || s[1] !== 0x2d) {
        state = 'raw';
        yield s;
        continue;
      }
      const eol = s.indexOf(CRLF);
      if (eol < 0) {
        if (s.length > 200) throw badMultipart('dòng boundary quá dài');
        continue;
      }
      delimiter = Buffer.concat([CRLF, s.subarray(0, eol)]);
      state = 'preamble';
    }
    const d = delimiter!;
    for (;;) {
      if (state === 'preamble' || state === 'skip') {
        const i = buf.indexOf(d);
        if (i < 0) {
          buf = buf.subarray(Math.max(0, buf.length - d.length + 1));
          break;
        }
        buf = buf.subarray(i + d.length);
        state = 'headers';
      } else if (state === 'headers') {
        if (buf.length >= 2 && buf[0] === 0x2d && buf[1] === 0x2d)
          throw badMultipart('không có phần tệp (file_doc)');
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) {
          if (buf.length > 16 * 1024) throw badMultipart('tiêu đề của một phần quá dài');
          break;
        }
        const headers = buf.subarray(0, end).toString('latin1');
        buf = buf.subarray(end + 4);
        state = /filename=|name="?file(_doc)?"?(;|\s|$)/i.test(headers) ? 'body' : 'skip';
      } else if (state === 'body') {
        const i = buf.indexOf(d);
        if (i >= 0) {
          if (i > 0) yield buf.subarray(0, i);
          buf = EMPTY;
          state = 'done';
        } else if (buf.length >= d.length) {
          yield buf.subarray(0, buf.length - d.length + 1);
          buf = buf.subarray(buf.length - d.length + 1);
        }
        break;
      } else break;
    }
  }
  if (state === 'sniff' && buf.length > 2) yield buf.subarray(2);
  else if (state !== 'sniff' && state !== 'raw' && state !== 'done')
    throw badMultipart('biểu mẫu kết thúc giữa chừng');
}

/** The SDK's getEdoc answer, `data` being the package in Base64, encoded as the package streams. */
export async function* base64Answer(
  pkg: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
): AsyncGenerator<Buffer> {
  yield Buffer.from(`${JSON.stringify(OK).slice(0, -1)},"data":"`);
  let rest = EMPTY;
  for await (const piece of pkg) {
    const all = Buffer.concat([rest, typeof piece === 'string' ? Buffer.from(piece) : piece]);
    const whole = all.length - (all.length % 3);
    if (whole) yield Buffer.from(all.subarray(0, whole).toString('base64'));
    rest = all.subarray(whole);
  }
  yield Buffer.from(`${rest.toString('base64')}"}`);
}
