import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEMO_CITIZEN_IDS, startPopulationBackend } from '../gateway/demo/population-backend.ts';
import { GATEWAY_MIGRATIONS, type RunningGateway, startGateway } from '../gateway/index.ts';
import type { MessageLogTables } from '../gateway/messagelog/index.ts';
import { systemClock } from '../kernel/clock.ts';
import { type Database, openDatabase } from '../kernel/db/database.ts';
import { migrate } from '../kernel/db/migrate.ts';
import type { ConfigurationAnchor } from '../kernel/globalconf/index.ts';
import type { Logger } from '../kernel/log.ts';
import { createCsr, describeCertificate, generateKeyPair } from '../kernel/pki/index.ts';
import { systemRandom } from '../kernel/random.ts';
import { issueMemberCertificate } from '../registry/ca.service.ts';
import { SYSTEM_ACTOR } from '../registry/context.ts';
import { updateGatewayAddresses } from '../registry/gateways.service.ts';
import { configurationAnchor } from '../registry/globalconf.service.ts';
import type { RunningRegistry } from '../registry/index.ts';
import type { PlatformConfig } from './platform-config.ts';

/**
 * The demo's gateways: one for every sample agency that provides or consumes a service, all in
 * this process, their message logs in one embedded store. Each gets TLS and signing keys with
 * certificates from the registry's CA (kept in the data directory and reused), listens on local
 * ports, and the registry learns the addresses it really listens on.
 */
export interface DemoGateways {
  gateways: RunningGateway[];
  /** Each agency's signing key (its docex node signs documents with it too). */
  signingKeys: Map<string, { certificatePem: string; privateKeyPem: string }>;
  anchor: ConfigurationAnchor;
  backendUrl: string;
  exampleCurl: string;
  close(): Promise<void>;
}

const POPULATION_SERVICE = 'VN/GOV/000.00.00.G01/population/citizens/v1';

export async function startDemoGateways(
  config: PlatformConfig,
  registry: RunningRegistry,
  logger: Logger,
  /** More services routed by an agency's gateway, by member code (the demo's docex nodes). */
  extraBackends: Map<string, Record<string, string>> = new Map(),
): Promise<DemoGateways> {
  const ctx = registry.ctx;
  const conf = JSON.parse(
    Buffer.from(JSON.parse((await registry.latest()).document).payload, 'base64url').toString('utf8'),
  );
  const providers = new Set<string>(conf.services.map((s: { providerId: string }) => s.providerId));
  const consumers = new Set<string>();
  for (const r of conf.accessRights as { subject: { type: string; id?: string; code?: string } }[]) {
    if (r.subject.type === 'subsystem') consumers.add(r.subject.id!);
    else
      for (const m of conf.groups.find((g: { code: string }) => g.code === r.subject.code)?.members ?? [])
        consumers.add(m);
  }
  const wanted = (
    conf.gateways as { id: string; memberId: string; code: string; clients: string[] }[]
  ).filter((g) => g.clients.some((c) => providers.has(c) || consumers.has(c)));
  const backend = await startPopulationBackend();
  const anchor: ConfigurationAnchor = configurationAnchor(
    ctx.instance,
    registry.ca,
    registry.settings,
    ctx.clock.now(),
  );
  const base = config.gateways.basePort;
  const started: { gw: RunningGateway; db: Database<MessageLogTables> }[] = [];
  const signingKeys = new Map<string, KeyPair>();
  try {
    const startOne = async (g: (typeof wanted)[number], i: number) => {
      const [instance, memberClass, memberCode] = g.memberId.split('/') as [string, string, string];
      const keys = await demoKeys(config, registry, { memberClass, memberCode, gatewayCode: g.code });
      signingKeys.set(memberCode, keys.sign);
      const db = await openDatabase<MessageLogTables>({
        component: `gateway_${memberCode.replaceAll('.', '_')}_${g.code}`,
        // The demo's gateways share the registry's embedded database (each in its own schema):
        // every embedded database costs seconds to start and ~150 MB, and this is one machine.
        store: 'registry',
        url: config.database.url,
        dataDir: config.dataDir,
        ephemeral: config.ephemeral,
      });
      await migrate(db.db as never, GATEWAY_MIGRATIONS);
      const gw = await startGateway({
        identity: { instance, memberClass, memberCode, gatewayCode: g.code },
        database: db,
        clock: systemClock,
        random: systemRandom,
        logger: logger.child({ component: 'gateway' }),
        anchor,
        globalconfCacheFile: config.ephemeral
          ? undefined
          : path.resolve(config.dataDir, 'gateways', `${memberCode}-${g.code}`, 'globalconf.json'),
        tls: keys.auth,
        signing: keys.sign,
        consumer: { host: '127.0.0.1', port: base ? base + 3 * i : 0 },
        provider: { host: '127.0.0.1', port: base ? base + 3 * i + 1 : 0 },
        admin: { host: '127.0.0.1', port: base ? base + 3 * i + 2 : 0 },
        backends: {
          ...(g.clients.includes('VN/GOV/000.00.00.G01/population')
            ? { [POPULATION_SERVICE]: backend.url }
            : {}),
          ...extraBackends.get(memberCode),
        },
        localClients: g.clients.map((id) => ({ id })),
        bodyModes: { default: 'metadata' },
      });
      started.push({ gw, db });
      await ctx.db.transaction().execute((tx) =>
        updateGatewayAddresses(ctx, tx, SYSTEM_ACTOR, {
          memberClass,
          memberCode,
          gatewayCode: g.code,
          addresses: [gw.providerUrl],
        }),
      );
    };
    await Promise.all(wanted.map((g, i) => startOne(g, i)));
    started.sort((a, b) => a.gw.identity.gatewayId.localeCompare(b.gw.identity.gatewayId));
    await registry.publish();
    await Promise.all(started.map(({ gw }) => gw.refreshConfiguration()));
  } catch (err) {
    for (const { gw, db } of started) {
      await gw.close().catch(() => {});
      await db.close().catch(() => {});
    }
    backend.server.close();
    throw err;
  }
  const consumer = started.find(({ gw }) => gw.identity.memberCode === '000.00.00.H49')?.gw ?? started[0]!.gw;
  const exampleCurl = [
    `curl -s ${consumer.consumerUrl}/r1/VN/GOV/000.00.00.G01/population/citizens/citizens/${DEMO_CITIZEN_IDS[0]} \\`,
    `  -H 'X-Road-Client: VN/GOV/${consumer.identity.memberCode}/dossier' \\`,
    `  -H 'X-Road-UserId: VN${DEMO_CITIZEN_IDS[1]}' -H 'X-Road-Issue: HS-2026-000123'`,
  ].join('\n');
  return {
    gateways: started.map((s) => s.gw),
    signingKeys,
    anchor,
    backendUrl: backend.url,
    exampleCurl,
    close: async () => {
      for (const { gw, db } of started) {
        await gw.close().catch(() => {});
        await db.close().catch(() => {});
      }
      await new Promise((r) => backend.server.close(r));
    },
  };
}

interface KeyPair {
  certificatePem: string;
  privateKeyPem: string;
}

/** The demo gateway's keys and certificates, made once and kept unless revoked or expiring. */
async function demoKeys(
  config: PlatformConfig,
  registry: RunningRegistry,
  ref: { memberClass: string; memberCode: string; gatewayCode: string },
): Promise<{ auth: KeyPair; sign: KeyPair }> {
  const dir = path.resolve(config.dataDir, 'gateways', `${ref.memberCode}-${ref.gatewayCode}`);
  const file = path.join(dir, 'keys.json');
  if (!config.ephemeral && existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { auth: KeyPair; sign: KeyPair };
    const conf = JSON.parse(
      Buffer.from(JSON.parse((await registry.latest()).document).payload, 'base64url').toString('utf8'),
    );
    const revoked = new Set((conf.revokedCertificates as { serial: string }[]).map((r) => r.serial));
    const fresh = [saved.auth, saved.sign].every((k) => {
      const d = describeCertificate(k.certificatePem, systemClock.now());
      return d.daysToExpiry > 7 && !revoked.has(d.serialNumber);
    });
    if (fresh) return saved;
  }
  const issue = async (usage: 'auth' | 'sign'): Promise<KeyPair> => {
    const keys = generateKeyPair();
    const csr = await createCsr({ ...keys, subject: { commonName: ref.memberCode } });
    const cert = await issueMemberCertificate(registry.ctx, registry.ca, SYSTEM_ACTOR, {
      memberClass: ref.memberClass,
      memberCode: ref.memberCode,
      usage,
      gatewayCode: usage === 'auth' ? ref.gatewayCode : undefined,
      csr,
    });
    return { certificatePem: cert.certificatePem, privateKeyPem: keys.privateKeyPem };
  };
  const keys = { auth: await issue('auth'), sign: await issue('sign') };
  if (!config.ephemeral) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, JSON.stringify(keys, null, 2), { mode: 0o600 });
  }
  return keys;
}
