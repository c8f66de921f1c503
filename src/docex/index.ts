import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Clock } from '../kernel/clock.ts';
import type { Database } from '../kernel/db/database.ts';
import type { ModuleMigrations } from '../kernel/db/migrate.ts';
import { AppError } from '../kernel/errors.ts';
import {
  type ConfigurationAnchor,
  type GlobalConfClient,
  openGlobalConf,
} from '../kernel/globalconf/index.ts';
import { createHttpServer, type HttpServer } from '../kernel/http/server.ts';
import type { Logger } from '../kernel/log.ts';
import type { Random } from '../kernel/random.ts';
import { createBlobStore } from './blobs.ts';
import { DEFAULT_LIMITS, type DocexContext, type DocexLimits } from './context.ts';
import { type DeliveryWorker, startDeliveryWorker } from './delivery.ts';
import type { DocexTables } from './docex.db.ts';
import { registerDocexRoutes } from './routes.ts';
import { registerStatsRoutes } from './stats.ts';
import { startTransport, type TransportServer } from './transport.ts';
import { registerVdxpRoutes } from './vdxp.routes.ts';
import { startWebhookWorker, type WebhookConfig, type WebhookWorker } from './webhook.ts';

export { signWebhook, type WebhookConfig } from './webhook.ts';

/**
 * The document axis node of one agency (VDXP): its document systems send and receive edXML
 * documents through it; it delivers them through the agency's gateway to other agencies'
 * nodes, with retries and receipts. One node per agency, next to its gateway.
 */
export const DOCEX_MIGRATIONS: ModuleMigrations = {
  module: 'docex',
  dir: new URL('./migrations/', import.meta.url),
};

export { DOCEX_SERVICE, DOCEX_SUBSYSTEM, docexClientId } from './context.ts';
export type { DocexTables } from './docex.db.ts';

export interface DocexClient {
  name: string;
  apiKeySha256: string;
  /** `operator` may also redeliver dead-lettered documents. */
  role?: 'system' | 'operator' | undefined;
}

export interface DocexOptions {
  identity: { instance: string; memberClass: string; memberCode: string };
  database: Database<DocexTables>;
  clock: Clock;
  random: Random;
  logger: Logger;
  signing: { privateKeyPem: string; certificatePem: string };
  /** The configuration anchor (with a cache file), or a client already kept fresh by the caller. */
  globalconf: { anchor: ConfigurationAnchor; cacheFile?: string | undefined } | { client: GlobalConfClient };
  /** This agency's gateway, consumer side. */
  gateway: { consumerUrl: string };
  /** Where attachment files are kept. */
  dataDir: string;
  api: { host: string; port: number };
  transport: { host: string; port: number };
  clients: DocexClient[];
  limits?: Partial<DocexLimits> | undefined;
  pollMs?: number | undefined;
  /** Push received documents and statuses to the document system (signed with HMAC-SHA256). */
  webhook?: WebhookConfig | undefined;
}

export interface RunningDocex {
  ctx: DocexContext;
  apiUrl: string;
  /** Where the agency's gateway must send the docex service's calls (its backend URL). */
  transportUrl: string;
  app: HttpServer;
  worker: DeliveryWorker;
  transport: TransportServer;
  close(): Promise<void>;
}

export async function startDocex(options: DocexOptions): Promise<RunningDocex> {
  let globalconf: GlobalConfClient;
  let ownClient = false;
  if ('client' in options.globalconf) globalconf = options.globalconf.client;
  else {
    ownClient = true;
    const { anchor, cacheFile } = options.globalconf;
    globalconf = await openGlobalConf(
      { anchor, clock: options.clock, cacheFile },
      (err) =>
        new AppError(
          'unavailable',
          'docex.no_globalconf',
          `The docex node of ${options.identity.memberCode} cannot start: the global configuration could not be downloaded (${err.message}) and no cached copy is valid. Check that the registry at ${anchor.configurationUrl} is reachable.`,
        ),
      (err) =>
        options.logger.warn({ err }, 'registry unreachable: starting from the cached global configuration'),
    );
  }
  if (options.webhook && options.webhook.secret.length < 16) {
    throw new AppError(
      'bad_input',
      'docex.weak_webhook_secret',
      'The webhook secret must have at least 16 characters.',
    );
  }
  const worker: { current: DeliveryWorker | null } = { current: null };
  const hooks: { current: WebhookWorker | null } = { current: null };
  const ctx: DocexContext = {
    db: options.database.db,
    clock: options.clock,
    random: options.random,
    logger: options.logger,
    blobs: createBlobStore(path.join(options.dataDir, 'blobs')),
    self: options.identity,
    signing: options.signing,
    conf: () => globalconf.current(),
    gateway: { consumerUrl: options.gateway.consumerUrl.replace(/\/$/, '') },
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    webhook: options.webhook,
    wake: () => {
      worker.current?.wake();
      hooks.current?.wake();
    },
  };
  const keys = new Map(options.clients.map((c) => [c.apiKeySha256, c]));
  const app = await createHttpServer({
    logger: options.logger,
    random: options.random,
    openapi: {
      title: 'Liên Thông docex',
      version: '1',
      description: 'Gửi, nhận văn bản điện tử edXML giữa các cơ quan (trục liên thông văn bản).',
    },
    authenticate: async (req) => {
      const h = req.headers.authorization;
      const token = h?.startsWith('Bearer ') ? h.slice(7) : undefined;
      if (!token) return null;
      const client = keys.get(createHash('sha256').update(token).digest('hex'));
      return client
        ? {
            kind: 'api_key',
            id: client.apiKeySha256.slice(0, 12),
            name: client.name,
            role: client.role ?? 'system',
          }
        : null;
    },
  });
  registerDocexRoutes(app, ctx);
  registerVdxpRoutes(app, ctx);
  registerStatsRoutes(app, ctx);
  await app.listen({ host: options.api.host, port: options.api.port });
  const transport = await startTransport(ctx, options.transport);
  worker.current = startDeliveryWorker(ctx, { pollMs: options.pollMs });
  if (options.webhook) hooks.current = startWebhookWorker(ctx, options.webhook, options.pollMs);
  const refresh = ownClient
    ? setInterval(() => {
        globalconf
          .refresh()
          .catch((err) =>
            options.logger.warn({ err: (err as Error).message }, 'global configuration refresh failed'),
          );
      }, Math.max(5, globalconf.current().refreshSeconds) * 1000)
    : null;
  refresh?.unref();
  const { port } = app.server.address() as AddressInfo;
  return {
    ctx,
    apiUrl: `http://${options.api.host}:${port}`,
    transportUrl: transport.url,
    app,
    worker: worker.current,
    transport,
    close: async () => {
      if (refresh) clearInterval(refresh);
      await worker.current?.close();
      await hooks.current?.close();
      await transport.close();
      // Stopping cuts open connections (a document system keeping one alive would hold the
      // stop for Fastify's 72 s keep-alive); clients retry with their idempotency keys.
      const closing = app.close();
      app.server.closeAllConnections();
      await closing;
    },
  };
}
