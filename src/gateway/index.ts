import { createHash } from 'node:crypto';
import { createServer as createHttpServerRaw, type Server } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { Type } from '@sinclair/typebox';
import type { Clock } from '../kernel/clock.ts';
import type { Database } from '../kernel/db/database.ts';
import type { ModuleMigrations } from '../kernel/db/migrate.ts';
import { AppError } from '../kernel/errors.ts';
import {
  type ConfigurationAnchor,
  type GlobalConfClient,
  openGlobalConf,
} from '../kernel/globalconf/index.ts';
import { createHttpServer, type HttpServer, type Principal } from '../kernel/http/server.ts';
import type { Logger } from '../kernel/log.ts';
import { describeCertificate } from '../kernel/pki/index.ts';
import type { Random } from '../kernel/random.ts';
import { type ArchivePolicy, archiveAndPurge, scheduleArchiving } from './archiver.ts';
import {
  type BodyModePolicy,
  createMessageLog,
  GATEWAY_MESSAGELOG_MIGRATIONS,
  type MessageLog,
  type MessageLogTables,
} from './messagelog/index.ts';
import { renderXRoadError, XRoadError } from './protocol/errors.ts';
import { consumerHandler } from './proxy/consumer.ts';
import { EvidenceVerifier, loadSigner } from './proxy/evidence.ts';
import { createMetrics } from './proxy/metrics.ts';
import { OperationalLog } from './proxy/operational.ts';
import { providerHandler } from './proxy/provider.ts';
import {
  confTracker,
  type GatewayIdentity,
  type GatewayRuntime,
  type LocalClient,
  type ProxyLimits,
  replayGuard,
  type TlsMaterial,
} from './proxy/runtime.ts';

/**
 * The gateway (LGSP; X-Road's security server): one per agency. Information systems of the
 * agency call services of other agencies through it (consumer side, plain HTTP on a local
 * address); other agencies' gateways call this agency's services through it (provider side,
 * mutual TLS). It works from the signed global configuration and records every message in a
 * tamper-evident log.
 */
export const GATEWAY_MIGRATIONS: ModuleMigrations[] = [GATEWAY_MESSAGELOG_MIGRATIONS];

export interface Listen {
  host: string;
  port: number;
}

export interface GatewayOptions {
  identity: Omit<GatewayIdentity, 'memberId' | 'gatewayId'>;
  database: Database<MessageLogTables>;
  clock: Clock;
  random: Random;
  logger: Logger;
  anchor: ConfigurationAnchor;
  /** Where the last verified global configuration is kept across restarts. */
  globalconfCacheFile?: string | undefined;
  /** TLS authentication certificate and key (issued by the platform CA for this gateway). */
  tls: TlsMaterial;
  /** The member's signing certificate and key. */
  signing: { certificatePem: string; privateKeyPem: string };
  /**
   * Where information systems call. Plain HTTP on a local address, or HTTPS with this
   * certificate; information systems registered with client certificates must then present them.
   */
  consumer: Listen & { tls?: { certificatePem: string; privateKeyPem: string } | undefined };
  provider: Listen;
  admin: Listen;
  /** API keys (SHA-256 hex) allowed to read /metrics and the management API. */
  adminKeySha256?: string[] | undefined;
  /** Service id (with version) → backend base URL. */
  backends?: Record<string, string> | undefined;
  localClients?: LocalClient[] | undefined;
  bodyModes?: BodyModePolicy | undefined;
  limits?: Partial<ProxyLimits> | undefined;
  /** How often unsealed log records are sealed (default 60 s, as X-Road batches). */
  sealIntervalMs?: number | undefined;
  /** Export sealed records to archive files and purge old ones (X-Road: keep 30 days). */
  archive?: (ArchivePolicy & { intervalMs?: number | undefined }) | undefined;
}

export interface RunningGateway {
  identity: GatewayIdentity;
  consumerUrl: string;
  providerUrl: string;
  adminUrl: string;
  log: MessageLog;
  globalconf: GlobalConfClient;
  runtime: GatewayRuntime;
  /** The admin listener (health, metrics). */
  admin: HttpServer;
  refreshConfiguration(): Promise<void>;
  close(): Promise<void>;
}

export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const { identity: id } = options;
  const memberId = `${id.instance}/${id.memberClass}/${id.memberCode}`;
  const identity: GatewayIdentity = { ...id, memberId, gatewayId: `${memberId}/${id.gatewayCode}` };
  const logger = options.logger.child({ gateway: identity.gatewayId });
  const globalconf = await openGlobalConf(
    { anchor: options.anchor, clock: options.clock, cacheFile: options.globalconfCacheFile },
    (err) =>
      new AppError(
        'unavailable',
        'gateway.no_configuration',
        `Gateway ${identity.gatewayId} cannot start: the global configuration could not be downloaded (${err.message}) and no cached copy is valid. Check that the registry at ${options.anchor.configurationUrl} is reachable.`,
      ),
    (err) => logger.warn({ err }, 'registry unreachable: starting from the cached global configuration'),
  );
  const limits: ProxyLimits = {
    memoryBodyLimit: 1024 * 1024,
    // A 100 MB attachment travels Base64-encoded in an edXML package: about 134 MiB.
    maxBodySize: 160 * 1024 * 1024,
    upstreamTimeoutMs: 30_000,
    maxClockSkewMs: 60_000,
    requestTimeoutMs: 120_000,
    headersTimeoutMs: 30_000,
    ...options.limits,
  };
  const log = createMessageLog({
    db: options.database.db,
    clock: options.clock,
    signingKeyPem: options.signing.privateKeyPem,
    certificatePem: options.signing.certificatePem,
    bodyModes: options.bodyModes,
  });
  const metrics = createMetrics({ gateway: identity.gatewayId });
  const operational = new OperationalLog(options.database.db as never, logger);
  const signer = loadSigner(options.signing.privateKeyPem, options.signing.certificatePem);
  const verifier = new EvidenceVerifier({ trustedRootsPem: [], revokedSerials: new Set() });
  const tracker = confTracker(globalconf, options.tls, verifier);
  const runtime: GatewayRuntime = {
    identity,
    clock: options.clock,
    random: options.random,
    logger,
    globalconf,
    signer,
    verifier,
    tls: options.tls,
    log,
    operational,
    metrics,
    limits,
    backends: new Map(Object.entries(options.backends ?? {})),
    localClients: new Map((options.localClients ?? []).map((c) => [c.id, c])),
    state: tracker.state,
    peerAgent: tracker.agent,
    remember: replayGuard(limits.maxClockSkewMs, options.clock),
  };
  const initial = tracker.state();
  if (!initial.conf.gateways.some((g) => g.id === identity.gatewayId)) {
    logger.warn(
      `gateway ${identity.gatewayId} is not registered in the global configuration yet: it will refuse traffic until it is`,
    );
  }

  // Slow or stalled callers are cut off (408) instead of holding connections and memory.
  const serverLimits = {
    maxHeaderSize: 32 * 1024,
    requestTimeout: limits.requestTimeoutMs,
    headersTimeout: Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs),
    keepAliveTimeout: 30_000,
    connectionsCheckingInterval: Math.min(1000, limits.requestTimeoutMs),
  };
  const consumerTls = options.consumer.tls;
  // Information systems' certificates are self-issued and pinned by fingerprint per subsystem,
  // so the TLS layer asks for one without judging it; the pipeline checks it against the client.
  const consumer: Server = consumerTls
    ? createHttpsServer(
        {
          ...serverLimits,
          cert: consumerTls.certificatePem,
          key: consumerTls.privateKeyPem,
          requestCert: true,
          rejectUnauthorized: false,
        },
        consumerHandler(runtime),
      )
    : createHttpServerRaw(serverLimits, consumerHandler(runtime));
  let trustedCas = initial.trustedRootsPem.join('\n');
  const tlsOptions = () => ({
    cert: options.tls.certificatePem,
    key: options.tls.privateKeyPem,
    ca: tracker.state().trustedRootsPem,
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.2' as const,
  });
  const provider: HttpsServer = createHttpsServer(
    { ...tlsOptions(), ...serverLimits },
    providerHandler(runtime),
  );
  for (const server of [consumer, provider] as Server[]) {
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
      if (!socket.writable) return socket.destroy();
      const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
      const e = tooLarge
        ? new XRoadError('Client.BadRequest', 'The request headers are too large.', 431)
        : new XRoadError(
            'Client.BadRequest',
            `Malformed HTTP request: ${err.message}`,
            err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400,
          );
      const { status, headers, body } = renderXRoadError(e, undefined, options.random.uuid());
      const head = Object.entries({
        ...headers,
        'content-length': Buffer.byteLength(body),
        connection: 'close',
      })
        .map(([k, v]) => `${k}: ${v}`)
        .join('\r\n');
      socket.end(
        `HTTP/1.1 ${status} ${tooLarge ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n${head}\r\n\r\n${body}`,
      );
    });
  }

  const admin = await createHttpServer({
    logger,
    random: options.random,
    openapi: {
      title: `Liên Thông gateway ${identity.gatewayId}`,
      version: '1',
      description: 'Gateway health, metrics and log management.',
    },
    authenticate: adminAuthenticator(options.adminKeySha256 ?? []),
  });
  admin.get(
    '/healthz',
    {
      config: { public: true },
      schema: { summary: 'Configuration age, certificate state, database reachability (public)' },
    },
    async (_req, reply) => health(runtime, options, reply),
  );
  admin.get(
    '/api/v1/operational-records',
    {
      schema: {
        summary:
          'Operational records of recent exchanges (newest first): client, service, status, sizes, the four timestamps',
        querystring: Type.Object({
          since: Type.Optional(Type.String({ format: 'date-time' })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 100 })),
        }),
      },
    },
    async (req) =>
      operational.list({
        since: req.query.since ? new Date(req.query.since) : undefined,
        limit: req.query.limit,
      }),
  );
  admin.get('/metrics', { schema: { summary: 'Prometheus metrics' } }, async (_req, reply) => {
    await updateGauges(runtime, options);
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  await listen(consumer, { host: options.consumer.host, port: options.consumer.port });
  await listen(provider, options.provider);
  await admin.listen(options.admin);

  let closing = false;
  const refreshConfiguration = async () => {
    await globalconf.refresh();
    const s = tracker.state();
    const next = s.trustedRootsPem.join('\n');
    if (next !== trustedCas) {
      provider.setSecureContext(tlsOptions());
      trustedCas = next;
    }
  };
  const refreshTimer = setInterval(() => {
    if (closing) return;
    refreshConfiguration().catch((err) =>
      logger.warn({ err: (err as Error).message }, 'global configuration refresh failed'),
    );
  }, Math.max(5, initial.conf.refreshSeconds) * 1000);
  refreshTimer.unref();
  const sealTimer = setInterval(() => {
    if (closing) return;
    log.seal().catch((err) => logger.error({ err }, 'sealing the message log failed'));
  }, options.sealIntervalMs ?? 60_000);
  sealTimer.unref();
  const archiving = options.archive
    ? scheduleArchiving(
        () => archiveAndPurge(log, options.database.db, options.clock, options.archive!),
        logger,
        options.archive.intervalMs ?? 3_600_000,
      )
    : null;

  return {
    identity,
    consumerUrl: urlOf(consumerTls ? 'https' : 'http', consumer, options.consumer.host),
    providerUrl: urlOf('https', provider, options.provider.host),
    adminUrl: `http://${options.admin.host}:${(admin.server.address() as { port: number }).port}`,
    log,
    globalconf,
    runtime,
    admin,
    refreshConfiguration,
    close: async () => {
      closing = true;
      clearInterval(refreshTimer);
      clearInterval(sealTimer);
      archiving?.stop();
      await Promise.all([closeServer(consumer), closeServer(provider), admin.close()]);
      tracker.close();
      await operational.close();
      await log.seal().catch(() => {});
    },
  };
}

function listen(server: Server, at: Listen): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(at.port, at.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 2000).unref();
  });
}

function urlOf(scheme: string, server: Server, host: string): string {
  return `${scheme}://${host}:${(server.address() as { port: number }).port}`;
}

function adminAuthenticator(keys: string[]) {
  return async (request: import('fastify').FastifyRequest): Promise<Principal | null> => {
    const header = request.headers.authorization;
    if (typeof header !== 'string' || !header.toLowerCase().startsWith('bearer ')) return null;
    const digest = createHash('sha256').update(header.slice(7).trim()).digest('hex');
    if (!keys.includes(digest)) {
      throw new AppError(
        'unauthenticated',
        'auth.invalid_credentials',
        'The API key is not one of this gateway’s.',
      );
    }
    return {
      kind: 'api_key',
      id: `gateway-admin:${digest.slice(0, 12)}`,
      name: 'gateway administrator',
      role: 'operator',
    };
  };
}

async function updateGauges(rt: GatewayRuntime, options: GatewayOptions): Promise<void> {
  rt.metrics.logBacklog.set((await rt.log.status()).unsealed);
  try {
    const conf = rt.state().conf;
    rt.metrics.configAge.set((rt.clock.now().getTime() - Date.parse(conf.generatedAt)) / 1000);
  } catch {
    rt.metrics.configAge.set(Number.NaN);
  }
  const now = rt.clock.now();
  rt.metrics.certificateDays.set(
    { usage: 'auth' },
    describeCertificate(options.tls.certificatePem, now).daysToExpiry,
  );
  rt.metrics.certificateDays.set(
    { usage: 'sign' },
    describeCertificate(options.signing.certificatePem, now).daysToExpiry,
  );
}

async function health(rt: GatewayRuntime, options: GatewayOptions, reply: import('fastify').FastifyReply) {
  const now = rt.clock.now();
  let configuration: Record<string, unknown>;
  let ok = true;
  try {
    const conf = rt.state().conf;
    configuration = {
      serial: conf.serial,
      ageSeconds: Math.round((now.getTime() - Date.parse(conf.generatedAt)) / 1000),
      expiresAt: conf.expiresAt,
    };
  } catch (err) {
    ok = false;
    configuration = { error: (err as Error).message };
  }
  const certificates = (['auth', 'sign'] as const).map((usage) => {
    const d = describeCertificate(
      usage === 'auth' ? options.tls.certificatePem : options.signing.certificatePem,
      now,
    );
    const revoked = (() => {
      try {
        return rt.state().revokedSerials.has(d.serialNumber);
      } catch {
        return false;
      }
    })();
    if (d.expired || d.notYetValid || revoked) ok = false;
    return {
      usage,
      serial: d.serialNumber,
      notAfter: d.notAfter.toISOString(),
      daysToExpiry: d.daysToExpiry,
      expired: d.expired,
      revoked,
    };
  });
  let database: { reachable: boolean; error?: string };
  try {
    await options.database.db
      .selectFrom('messagelog_records' as never)
      .select((eb) => eb.lit(1).as('one'))
      .limit(1)
      .execute();
    database = { reachable: true };
  } catch (err) {
    ok = false;
    database = { reachable: false, error: (err as Error).message };
  }
  return reply.status(ok ? 200 : 503).send({
    status: ok ? 'ok' : 'degraded',
    gateway: rt.identity.gatewayId,
    configuration,
    certificates,
    database,
  });
}
