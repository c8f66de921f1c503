import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import path from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { AppError, type ErrorCategory } from '../kernel/errors.ts';
import { printTable } from './output.ts';

// The client side of `lienthong docex …`: the docex node API with the document system's key,
// streamed uploads with progress, and how its answers print.

export interface ClientFlags {
  url?: string;
  key?: string;
  json?: boolean;
}

export interface DocumentView {
  id: string;
  edxmlDocumentId: string;
  subject: string;
  createdAt: string;
  deliveries: Record<string, unknown>[];
  statuses: Record<string, unknown>[];
  attachments: Record<string, unknown>[];
}

export interface InboxItem {
  id: string;
  seq: number;
  sender: string;
  edxmlDocumentId: string;
  subject: string;
  receivedAt: string;
  ackedAt: string | null;
  status: string | null;
  attachments: Record<string, unknown>[];
}

export function printAttachments(list: Record<string, unknown>[]): void {
  if (list.length === 0) return;
  process.stdout.write('\nTệp đính kèm / attachments\n');
  printTable(list, ['name', 'contentType', 'size', 'sha256']);
}

const CATEGORY_BY_STATUS: Record<number, ErrorCategory> = {
  400: 'bad_input',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'too_large',
  415: 'unsupported_media',
  503: 'unavailable',
};

interface CallOptions {
  json?: unknown;
  stream?: Readable;
  headers?: Record<string, string>;
}

/** The docex node API with the document system's key; failures become errors that say what to do. */
export function docexApi(flags: ClientFlags) {
  const baseUrl = (flags.url ?? process.env['LIENTHONG_DOCEX_URL'] ?? 'http://127.0.0.1:8090').replace(
    /\/$/,
    '',
  );
  const key = flags.key ?? process.env['LIENTHONG_DOCEX_KEY'];
  if (!key) {
    throw new AppError(
      'bad_input',
      'cli.missing_docex_key',
      'Thiếu khóa API của nút docex: thêm --key <khóa> hoặc đặt biến môi trường LIENTHONG_DOCEX_KEY. ' +
        '(Missing the docex API key: pass --key or set LIENTHONG_DOCEX_KEY.)',
    );
  }
  const call = async (method: string, p: string, o: CallOptions = {}) => {
    const { request } = await import('undici');
    let res: Awaited<ReturnType<typeof request>>;
    try {
      res = await request(`${baseUrl}${p}`, {
        method: method as 'GET',
        headers: {
          authorization: `Bearer ${key}`,
          ...(o.json !== undefined ? { 'content-type': 'application/json' } : {}),
          ...o.headers,
        },
        body: o.json !== undefined ? JSON.stringify(o.json) : o.stream,
      });
    } catch (err) {
      throw new AppError(
        'unavailable',
        'cli.docex_unreachable',
        `Không kết nối được nút docex tại ${baseUrl} (${(err as Error).message}). ` +
          'Kiểm tra --url / LIENTHONG_DOCEX_URL và rằng nút đang chạy (lienthong docex serve). ' +
          '(Cannot reach the docex node: check --url and that the node runs.)',
      );
    }
    const text = await res.body.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text for the message
    }
    if (res.statusCode === 401) {
      throw new AppError(
        'unauthenticated',
        'cli.docex_key_rejected',
        `Nút docex ${baseUrl} từ chối khóa API: kiểm tra --key / LIENTHONG_DOCEX_KEY ` +
          '(SHA-256 của khóa phải có trong "clients" của cấu hình nút). (The node refused the API key.)',
      );
    }
    if (res.statusCode >= 400) {
      const e = (body ?? {}) as { code?: string; message?: string; details?: Record<string, unknown> };
      throw new AppError(
        CATEGORY_BY_STATUS[res.statusCode] ?? 'internal',
        e.code ?? `http.${res.statusCode}`,
        e.message ?? `The docex node answered ${res.statusCode}: ${String(text).slice(0, 300)}`,
        e.details ? { details: e.details } : {},
      );
    }
    return { status: res.statusCode, body };
  };
  return { baseUrl, call };
}

export type DocexApi = ReturnType<typeof docexApi>;

export function existingFile(file: string): { file: string; size: number } {
  try {
    const s = statSync(file);
    if (s.isFile()) return { file, size: s.size };
  } catch {
    // reported below
  }
  throw new AppError('bad_input', 'cli.file_not_found', `Không có tệp ${file}. (No such file: ${file}.)`);
}

const CONTENT_TYPES: Record<string, string> = {
  '.pdf': 'application/pdf',
  '.doc': 'application/msword',
  '.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  '.xls': 'application/vnd.ms-excel',
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  '.odt': 'application/vnd.oasis.opendocument.text',
  '.txt': 'text/plain',
  '.xml': 'application/xml',
  '.zip': 'application/zip',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
};

/**
 * Streams a file to PUT /api/v1/blobs, never holding it in memory. Its SHA-256 is computed in a
 * first pass and sent along, so a file changed or damaged on the way is refused by the node.
 */
export async function upload(api: DocexApi, file: string) {
  const { size } = existingFile(file);
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  const sha256 = hash.digest('hex');
  const name = path.basename(file);
  const progress = progressBar(name, size);
  const counted = createReadStream(file).pipe(
    new Transform({
      transform(chunk: Buffer, _enc, cb) {
        progress.add(chunk.length);
        cb(null, chunk);
      },
    }),
  );
  const res = await api.call('PUT', '/api/v1/blobs', {
    stream: counted,
    headers: {
      'content-type': 'application/octet-stream',
      'content-length': String(size),
      'x-content-sha256': sha256,
    },
  });
  progress.done();
  const blob = res.body as { sha256: string; size: number };
  return {
    sha256: blob.sha256,
    name,
    contentType: CONTENT_TYPES[path.extname(name).toLowerCase()] ?? 'application/octet-stream',
  };
}

/** Upload progress on stderr: a live bar on a terminal, a line per quarter otherwise (large files only). */
function progressBar(name: string, total: number) {
  const tty = process.stderr.isTTY === true;
  const show = total >= 1024 * 1024;
  const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
  let sent = 0;
  let shown = -1;
  let lastPct = -1;
  const render = () => {
    const pct = total ? Math.floor((sent / total) * 100) : 100;
    if (pct === lastPct) return;
    lastPct = pct;
    if (tty) {
      const bar = '#'.repeat(Math.floor(pct / 5)).padEnd(20, '.');
      process.stderr.write(`\r${name} [${bar}] ${pct}% ${mb(sent)}/${mb(total)} MB`);
    } else if (Math.floor(pct / 25) > shown) {
      shown = Math.floor(pct / 25);
      process.stderr.write(`${name}: ${pct}% (${mb(sent)}/${mb(total)} MB)\n`);
    }
  };
  return {
    add(n: number) {
      sent += n;
      if (show) render();
    },
    done() {
      if (show && tty) process.stderr.write('\n');
      process.stderr.write(`Đã tải lên / uploaded ${name} (${total} bytes)\n`);
    },
  };
}
