import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AppError, notFound } from '../kernel/errors.ts';
import type { DocexContext } from './context.ts';
import { receivePackage, receiveStatus, senderOf } from './receive.ts';

/**
 * The docex service other agencies reach through the gateways: the provider gateway forwards
 * `/r1/…/docex/edxml/packages` and `/statuses` here after checking mutual TLS, the signed
 * request and the access rights, and names the calling subsystem in X-Road-Client. It listens
 * on a local address for the gateway only; the API for document systems is separate.
 */
export interface TransportServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

const MAX_STATUS_BYTES = 1024 * 1024;

export async function startTransport(
  ctx: DocexContext,
  listen: { host: string; port: number },
): Promise<TransportServer> {
  const server = createServer((req, res) => {
    handle(ctx, req).then(
      (answer) => send(res, 200, answer),
      (err) => {
        const e =
          err instanceof AppError
            ? err
            : new AppError('internal', 'docex.internal', 'Lỗi nội bộ của nút docex.');
        if (!(err instanceof AppError)) ctx.logger.error({ err }, 'docex transport failed');
        req.resume();
        send(res, e.status, e.toJSON());
      },
    );
  });
  server.requestTimeout = 10 * 60_000;
  await new Promise<void>((resolve) => server.listen(listen.port, listen.host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${listen.host}:${port}`,
    server,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function handle(ctx: DocexContext, req: IncomingMessage): Promise<unknown> {
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  const m = /^\/(packages|statuses)\/([^/]+)$/.exec(path);
  if (req.method !== 'POST' || !m) throw notFound('request.no_route', `No endpoint ${req.method} ${path}.`);
  const sender = senderOf(ctx, header(req, 'x-road-client'));
  const docexId = decodeURIComponent(m[2]!);
  if (m[1] === 'packages') return receivePackage(ctx, sender, docexId, req);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_STATUS_BYTES)
      throw new AppError('too_large', 'docex.status_too_large', 'Thông điệp trạng thái quá lớn.');
    chunks.push(c as Buffer);
  }
  return receiveStatus(ctx, sender, docexId, Buffer.concat(chunks).toString('utf8'));
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
