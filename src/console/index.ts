import { request } from 'undici';
import { createHttpServer, type HttpServer } from '../kernel/http/server.ts';
import type { Logger } from '../kernel/log.ts';

/**
 * The console address (default http://127.0.0.1:8080): the one place a person or a probe
 * asks "is the federation up?". `/healthz` checks every component and lists its URL and
 * state; `/` is a start page linking to them. The web console (web/) will be served here too.
 */
export interface ComponentInfo {
  name: string;
  /** What it is, in Vietnamese and English, for the start page. */
  titleVi: string;
  titleEn: string;
  url: string;
  /** The component's own health endpoint. */
  healthUrl: string;
}

export interface ComponentStatus {
  name: string;
  url: string;
  state: 'up' | 'down';
  detail?: string;
}

export async function checkComponent(c: ComponentInfo, timeoutMs = 2000): Promise<ComponentStatus> {
  try {
    const res = await request(c.healthUrl, { headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
    await res.body.dump();
    return res.statusCode === 200
      ? { name: c.name, url: c.url, state: 'up' }
      : { name: c.name, url: c.url, state: 'down', detail: `health check answered ${res.statusCode}` };
  } catch (err) {
    return { name: c.name, url: c.url, state: 'down', detail: (err as Error).message };
  }
}

export async function startConsole(options: {
  host: string;
  port: number;
  logger: Logger;
  components: () => ComponentInfo[];
}): Promise<{ app: HttpServer; url: string; close(): Promise<void> }> {
  const app = await createHttpServer({
    logger: options.logger,
    openapi: {
      title: 'Liên Thông console',
      version: '1',
      description: 'Health of the federation and the web console.',
    },
  });
  app.get(
    '/healthz',
    { config: { public: true }, schema: { summary: 'Every component, its URL and state (public)' } },
    async (_req, reply) => {
      const components = await Promise.all(options.components().map((c) => checkComponent(c)));
      const status = components.every((c) => c.state === 'up') ? 'ok' : 'degraded';
      return reply.status(status === 'ok' ? 200 : 503).send({ status, components });
    },
  );
  app.get('/', { config: { public: true }, schema: { hide: true } }, async (_req, reply) => {
    const items = options
      .components()
      .map(
        (c) =>
          `<li><a href="${escapeHtml(c.url)}">${escapeHtml(c.titleVi)}</a> — ${escapeHtml(c.titleEn)} <code>${escapeHtml(c.url)}</code></li>`,
      )
      .join('');
    return reply.type('text/html; charset=utf-8').send(`<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Liên Thông</title>
<style>body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1b2a3a;line-height:1.5}
h1{color:#a4161a}code{background:#f1f3f5;padding:0 .25rem}</style></head>
<body><h1>Liên Thông</h1>
<p>Nền tảng tích hợp, chia sẻ dữ liệu và liên thông văn bản. <em>Open-source e-Government interoperability platform.</em></p>
<h2>Thành phần (components)</h2><ul>${items}</ul>
<p><a href="/healthz">/healthz</a> — tình trạng hoạt động (health, JSON)</p>
</body></html>`);
  });
  await app.listen({ host: options.host, port: options.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return { app, url: `http://${options.host}:${port}`, close: () => app.close() };
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
