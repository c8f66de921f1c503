import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type ComponentInfo, startConsole } from '../console/index.ts';
import { systemClock } from '../kernel/clock.ts';
import { type Database, openDatabase } from '../kernel/db/database.ts';
import { migrate } from '../kernel/db/migrate.ts';
import { createLogger, type Logger, type LogLevel } from '../kernel/log.ts';
import { systemRandom } from '../kernel/random.ts';
import { createApiKey } from '../registry/auth.ts';
import { SYSTEM_ACTOR } from '../registry/context.ts';
import { REGISTRY_MIGRATIONS, type RunningRegistry, startRegistry } from '../registry/index.ts';
import type { RegistryTables } from '../registry/registry.db.ts';
import { loadSampleFederation } from '../registry/sample/load.ts';
import { type DemoDocex, planDemoDocex, startDemoDocex } from './demo-docex.ts';
import { type DemoGateways, startDemoGateways } from './demo-gateways.ts';
import { DEMO_CA_PASSPHRASE, type PlatformConfig } from './platform-config.ts';

/** Every module's migrations, per component database. */
export const COMPONENT_MIGRATIONS = { registry: [REGISTRY_MIGRATIONS] } as const;

export function openComponentDatabase<DB>(
  config: PlatformConfig,
  component: keyof typeof COMPONENT_MIGRATIONS,
) {
  return openDatabase<DB>({
    component,
    url: config.database.url,
    dataDir: config.dataDir,
    ephemeral: config.ephemeral,
  });
}

export interface RunningRegistryProcess {
  registry: RunningRegistry;
  database: Database<RegistryTables>;
  operatorKey: string | null;
  operatorKeyFile: string | null;
  sampleLoaded: boolean;
}

/** Opens the registry's database, migrates it, starts the registry and (demo) seeds it. */
export async function runRegistry(config: PlatformConfig, logger: Logger): Promise<RunningRegistryProcess> {
  const database = await openComponentDatabase<RegistryTables>(config, 'registry');
  try {
    await migrate(database.db as never, [...COMPONENT_MIGRATIONS.registry]);
    const passphrase = config.registry.caPassphrase ?? DEMO_CA_PASSPHRASE;
    if (!config.registry.caPassphrase) {
      logger.warn(
        'No CA passphrase set: using the demo passphrase. Set LIENTHONG_CA_PASSPHRASE in production.',
      );
    }
    const registry = await startRegistry({
      database,
      clock: systemClock,
      random: systemRandom,
      logger: logger.child({ component: 'registry' }),
      instance: config.registry.instance,
      host: config.registry.host,
      port: config.registry.port,
      publicUrl: config.registry.publicUrl,
      ca: {
        passphrase,
        importCa:
          config.registry.caCertFile && config.registry.caKeyFile
            ? {
                certificatePem: readFileSync(config.registry.caCertFile, 'utf8'),
                privateKeyPem: readFileSync(config.registry.caKeyFile, 'utf8'),
                keyPassphrase: config.registry.caKeyPassphrase,
              }
            : undefined,
      },
      refreshSeconds: config.registry.refreshSeconds,
      validitySeconds: config.registry.validitySeconds,
    });
    let sampleLoaded = false;
    if (config.mode === 'demo' && config.sample) {
      // Sample gateways are given local addresses the gateway processes will listen on.
      sampleLoaded = await loadSampleFederation(registry.ctx, {
        gatewayAddress: (_member, _code, i) => `https://127.0.0.1:${9100 + i}`,
      });
      if (sampleLoaded) await registry.publish();
    }
    const { key, file } =
      config.mode === 'demo' ? await demoOperatorKey(config, registry) : { key: null, file: null };
    return { registry, database, operatorKey: key, operatorKeyFile: file, sampleLoaded };
  } catch (err) {
    await database.close().catch(() => {});
    throw err;
  }
}

/** The demo's operator key: made once, kept in the data directory so CLI commands find it. */
async function demoOperatorKey(config: PlatformConfig, registry: RunningRegistry) {
  const file = path.resolve(config.dataDir, 'operator-key.txt');
  if (!config.ephemeral && existsSync(file)) {
    const key = readFileSync(file, 'utf8').trim();
    const ok = await fetch(`${registry.url}/api/v1/groups`, { headers: { authorization: `Bearer ${key}` } });
    if (ok.status === 200) return { key, file };
  }
  const created = await createApiKey(registry.ctx, SYSTEM_ACTOR, {
    name: 'Demo platform operator',
    role: 'operator',
  });
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${created.key}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { key: created.key, file };
}

export interface Federation {
  consoleUrl: string;
  components: ComponentInfo[];
  registry: RunningRegistryProcess;
  demo: DemoGateways | null;
  docex: DemoDocex | null;
  close(): Promise<void>;
}

/** `lienthong up`: every component of a demo federation in this process. */
export async function startFederation(config: PlatformConfig): Promise<Federation> {
  const logger = createLogger({ level: config.logLevel as LogLevel });
  const registry = await runRegistry(config, logger);
  const components: ComponentInfo[] = [
    {
      name: 'registry',
      titleVi: 'Nền tảng trung tâm (NDXP): đăng ký cơ quan, dịch vụ, quyền truy cập, chứng thư số',
      titleEn: 'Central registry',
      url: registry.registry.url,
      healthUrl: `${registry.registry.url}/healthz`,
    },
  ];
  let demo: DemoGateways | null = null;
  let docex: DemoDocex | null = null;
  let consoleServer: Awaited<ReturnType<typeof startConsole>>;
  try {
    if (config.mode === 'demo' && config.gateways.enabled) {
      const plan = await planDemoDocex();
      demo = await startDemoGateways(config, registry.registry, logger, plan.backends);
      for (const gw of demo.gateways) {
        components.push({
          name: `gateway ${gw.identity.gatewayId}`,
          titleVi: `Cổng kết nối (LGSP) ${gw.identity.memberCode}`,
          titleEn: `Gateway of ${gw.identity.memberCode}: consumer ${gw.consumerUrl}, provider ${gw.providerUrl}`,
          url: gw.adminUrl,
          healthUrl: `${gw.adminUrl}/healthz`,
        });
      }
      docex = await startDemoDocex(config, plan, demo.gateways, demo.signingKeys, demo.anchor, logger);
      for (const n of docex.nodes) {
        components.push({
          name: `docex ${n.memberCode}`,
          titleVi: `Trục liên thông văn bản — ${n.nameVi}`,
          titleEn: `Document exchange node of ${n.memberCode}`,
          url: n.node.apiUrl,
          healthUrl: `${n.node.apiUrl}/healthz`,
        });
      }
    }
    consoleServer = await startConsole({
      host: config.console.host,
      port: config.console.port,
      logger: logger.child({ component: 'console' }),
      components: () => components,
    });
  } catch (err) {
    await docex?.close();
    await demo?.close();
    await registry.registry.close();
    await registry.database.close();
    throw err;
  }
  return {
    consoleUrl: consoleServer.url,
    components,
    registry,
    demo,
    docex,
    close: async () => {
      await consoleServer.close();
      await docex?.close();
      await demo?.close();
      await registry.registry.close();
      await registry.database.close();
    },
  };
}
