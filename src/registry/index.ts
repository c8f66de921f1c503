import type { Clock } from '../kernel/clock.ts';
import type { Database } from '../kernel/db/database.ts';
import { holdAdvisoryLock } from '../kernel/db/lock.ts';
import type { ModuleMigrations } from '../kernel/db/migrate.ts';
import { createHttpServer, type HttpServer } from '../kernel/http/server.ts';
import type { Logger } from '../kernel/log.ts';
import type { Random } from '../kernel/random.ts';
import { apiKeyAuthenticator } from './auth.ts';
import { type CaKeys, type CaSetup, ensureCa } from './ca.service.ts';
import type { RegistryContext } from './context.ts';
import {
  type GlobalConfSettings,
  latestConfiguration,
  type Published,
  publishConfiguration,
} from './globalconf.service.ts';
import type { RegistryTables } from './registry.db.ts';
import { registerAdminRoutes } from './routes/admin.routes.ts';
import type { RouteDeps } from './routes/context.ts';
import { registerDirectoryRoutes } from './routes/directory.routes.ts';
import { registerPkiRoutes } from './routes/pki.routes.ts';
import { registerPublicRoutes } from './routes/public.routes.ts';
import { registerRequestRoutes } from './routes/requests.routes.ts';

/**
 * The central registry (NDXP): agencies, information systems, gateways, services, access
 * rights, the platform CA, and the signed global configuration gateways work from.
 */
export const REGISTRY_MIGRATIONS: ModuleMigrations = {
  module: 'registry',
  dir: new URL('./migrations/', import.meta.url),
};

const CA_SETUP_LOCK = 7_115_302;

export interface RegistryOptions {
  database: Database<RegistryTables>;
  clock: Clock;
  random: Random;
  logger: Logger;
  instance: string;
  host: string;
  port: number;
  /** Base URL gateways use to reach the registry (default http://host:port). */
  publicUrl?: string | undefined;
  ca: CaSetup;
  refreshSeconds: number;
  validitySeconds: number;
}

export interface RunningRegistry {
  app: HttpServer;
  url: string;
  ctx: RegistryContext;
  ca: CaKeys;
  settings: GlobalConfSettings;
  /** Publishes a new configuration now (also done on a timer and shortly after changes). */
  publish(): Promise<number>;
  /** The newest published configuration. */
  latest(): Promise<Published>;
  close(): Promise<void>;
}

export async function startRegistry(options: RegistryOptions): Promise<RunningRegistry> {
  const ctx: RegistryContext = {
    db: options.database.db,
    clock: options.clock,
    random: options.random,
    logger: options.logger,
    instance: options.instance,
  };
  // Several registry nodes may start at once on one PostgreSQL: only one creates the CA.
  const unlock = await holdAdvisoryLock(options.database.db as never, options.database.kind, CA_SETUP_LOCK);
  let ca: CaKeys;
  try {
    ca = await ensureCa(ctx, options.ca);
  } finally {
    await unlock();
  }
  const app = await createHttpServer({
    logger: options.logger,
    random: options.random,
    authenticate: apiKeyAuthenticator(ctx.db),
    openapi: {
      title: 'Liên Thông registry API',
      version: '1',
      description:
        'The central registry (NDXP) of a Liên Thông federation: agencies, information systems, gateways, services, access rights, certificates and the signed global configuration.',
    },
  });
  // The URLs are known once the server listens (the port may be ephemeral); filled in below.
  const settings: GlobalConfSettings = {
    refreshSeconds: options.refreshSeconds,
    validitySeconds: options.validitySeconds,
    configurationUrl: '',
    certificateStatusUrl: '',
  };

  let publishing: Promise<number> | null = null;
  let again = false;
  const publish = async (): Promise<number> => {
    if (publishing) {
      again = true;
      return publishing;
    }
    publishing = (async () => {
      try {
        let serial: number;
        do {
          again = false;
          serial = (await publishConfiguration(ctx, ca, settings)).serial;
        } while (again);
        return serial;
      } finally {
        publishing = null;
      }
    })();
    return publishing;
  };
  let debounce: NodeJS.Timeout | undefined;
  // Changes reach gateways within a second rather than at the next refresh.
  const onChange = () => {
    clearTimeout(debounce);
    debounce = setTimeout(() => {
      publish().catch((err) => options.logger.error({ err }, 'publishing the global configuration failed'));
    }, 250);
  };

  const deps: RouteDeps = { ctx, ca, settings, onChange };
  app.get('/healthz', { config: { public: true }, schema: { hide: true } }, async () => ({
    status: 'ok',
    component: 'registry',
  }));
  registerPublicRoutes(app, deps);
  registerDirectoryRoutes(app, deps);
  registerRequestRoutes(app, deps);
  registerPkiRoutes(app, deps);
  registerAdminRoutes(app, deps);

  await app.listen({ host: options.host, port: options.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const url =
    options.publicUrl ?? `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
  settings.configurationUrl = `${url}/globalconf`;
  settings.certificateStatusUrl = `${url}/pki/status`;

  await publish();
  const timer = setInterval(() => {
    publish().catch((err) => options.logger.error({ err }, 'publishing the global configuration failed'));
  }, options.refreshSeconds * 1000);
  timer.unref();

  return {
    app,
    url,
    ctx,
    ca,
    settings,
    publish,
    latest: async () => {
      const latest = await latestConfiguration(ctx.db);
      if (!latest) throw new Error('no global configuration published yet');
      return latest;
    },
    close: async () => {
      clearInterval(timer);
      clearTimeout(debounce);
      await app.close();
      await publishing?.catch(() => {});
    },
  };
}
