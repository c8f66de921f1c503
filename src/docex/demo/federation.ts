import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import type { PairRegistry } from '../../gateway/demo/gateway-pair.ts';
import { issueGatewayKeys } from '../../gateway/demo/keys.ts';
import { type GatewayOptions, type RunningGateway, startGateway } from '../../gateway/index.ts';
import type { MessageLogTables } from '../../gateway/messagelog/index.ts';
import type { Database } from '../../kernel/db/database.ts';
import { type Logger, silentLogger } from '../../kernel/log.ts';
import { freePort } from '../../kernel/net.ts';
import { systemRandom } from '../../kernel/random.ts';
import { SYSTEM_ACTOR } from '../../registry/context.ts';
import { updateGatewayAddresses } from '../../registry/gateways.service.ts';
import { configurationAnchor } from '../../registry/globalconf.service.ts';
import type { DocexLimits } from '../context.ts';
import {
  DOCEX_SERVICE,
  DOCEX_SUBSYSTEM,
  type DocexTables,
  type RunningDocex,
  startDocex,
  type WebhookConfig,
} from '../index.ts';

/**
 * Agencies that exchange documents, each with its own gateway and docex node, over a real
 * registry: for tests, the demo and the docex benchmark. Every docex node may call every other
 * (the registry group `docex`), as on the national document axis.
 */
export interface DocexAgencySpec {
  memberCode: string;
  nameVi: string;
  kind: string;
  parentCode?: string | undefined;
  /** Already registered as a member (the sample federation): skip creating it. */
  existing?: boolean;
}

export interface DocexAgency {
  memberCode: string;
  gateway: RunningGateway;
  docex: RunningDocex;
  /** The document system's API key for this agency's docex API. */
  apiKey: string;
  /** An operator key (may redeliver). */
  operatorKey: string;
  gatewayDatabase: Database<MessageLogTables>;
  docexDatabase: Database<DocexTables>;
}

export interface DocexFederationOptions {
  registry: PairRegistry;
  agencies: DocexAgencySpec[];
  openGatewayDatabase(component: string): Promise<Database<MessageLogTables>>;
  openDocexDatabase(component: string): Promise<Database<DocexTables>>;
  /** Attachment files go under here, one folder per agency. */
  dataDir: string;
  logger?: Logger;
  limits?: Partial<DocexLimits>;
  pollMs?: number;
  gateway?: Partial<GatewayOptions>;
  /** A webhook for an agency's document system, if it wants one. */
  webhook?: (memberCode: string) => WebhookConfig | undefined;
}

export interface DocexFederation {
  agencies: Map<string, DocexAgency>;
  /** Stops an agency's docex node (as a crash would leave it: its database and files stay). */
  stopDocex(memberCode: string): Promise<void>;
  /** Starts it again on the same database, files and ports. */
  startDocex(memberCode: string): Promise<void>;
  close(): Promise<void>;
}

const GROUP = 'docex';

export async function registerDocexAgencies(t: PairRegistry, agencies: DocexAgencySpec[]): Promise<void> {
  const ok = async (p: Promise<{ status: number; body: unknown }>, allow: number[] = []) => {
    const r = await p;
    if (r.status >= 300 && !allow.includes(r.status)) throw new Error(JSON.stringify(r.body));
    return r.body as Record<string, never>;
  };
  const file = async (payload: unknown) => {
    const r = await ok(t.call('POST', '/api/v1/requests', payload));
    await ok(t.call('POST', `/api/v1/requests/${r['id']}/approve`, {}));
  };
  await ok(
    t.call('POST', '/api/v1/groups', { code: GROUP, descriptionVi: 'Các nút trục liên thông văn bản' }),
    [409],
  );
  for (const a of agencies) {
    const member = { memberClass: 'GOV', memberCode: a.memberCode };
    if (!a.existing) {
      await ok(
        t.call('POST', '/api/v1/members', {
          ...member,
          nameVi: a.nameVi,
          kind: a.kind,
          ...(a.parentCode ? { parentCode: a.parentCode } : {}),
        }),
      );
    }
    const subsystem = { ...member, subsystemCode: DOCEX_SUBSYSTEM };
    await file({
      type: 'subsystem.register',
      subsystem: { ...subsystem, nameVi: 'Quản lý văn bản điện tử' },
    });
    await file({
      type: 'gateway.register',
      gateway: { ...member, gatewayCode: 'gw1', addresses: ['https://127.0.0.1:1'] },
    });
    await file({ type: 'gateway.client.register', gateway: { ...member, gatewayCode: 'gw1' }, subsystem });
    await file({
      type: 'service.register',
      service: {
        ...subsystem,
        serviceCode: DOCEX_SERVICE,
        version: 'v1',
        titleVi: 'Nhận văn bản điện tử edXML',
        personalData: false,
        endpoints: [
          { method: 'POST', path: '/packages/{documentId}' },
          { method: 'POST', path: '/statuses/{documentId}' },
        ],
      },
    });
    await ok(t.call('PUT', `/api/v1/groups/${GROUP}/members/GOV/${a.memberCode}/${DOCEX_SUBSYSTEM}`));
    await ok(
      t.call('POST', '/api/v1/access-rights', {
        service: { ...subsystem, serviceCode: DOCEX_SERVICE, version: 'v1' },
        subject: { type: 'group', code: GROUP },
      }),
    );
  }
}

export async function startDocexFederation(options: DocexFederationOptions): Promise<DocexFederation> {
  const t = options.registry;
  const logger = options.logger ?? silentLogger;
  await registerDocexAgencies(t, options.agencies);
  const ctx = t.registry.ctx;
  await t.registry.publish();
  const anchor = configurationAnchor(ctx.instance, t.registry.ca, t.registry.settings, ctx.clock.now());
  const agencies = new Map<string, DocexAgency>();
  const nodeOptions = new Map<string, Parameters<typeof startDocex>[0]>();
  const started: { close(): Promise<void> }[] = [];
  try {
    const prepared = [];
    for (const a of options.agencies) {
      const keys = await issueGatewayKeys(t.registry, a.memberCode);
      const transportPort = await freePort();
      const gatewayDatabase = await options.openGatewayDatabase(`gw_${a.memberCode.replace(/\W/g, '_')}`);
      started.push(gatewayDatabase);
      const gateway = await startGateway({
        identity: { instance: 'VN', memberClass: 'GOV', memberCode: a.memberCode, gatewayCode: 'gw1' },
        database: gatewayDatabase,
        clock: t.clock,
        random: systemRandom,
        logger,
        anchor,
        ...keys,
        consumer: { host: '127.0.0.1', port: 0 },
        provider: { host: '127.0.0.1', port: 0 },
        admin: { host: '127.0.0.1', port: 0 },
        backends: {
          [`VN/GOV/${a.memberCode}/${DOCEX_SUBSYSTEM}/${DOCEX_SERVICE}/v1`]: `http://127.0.0.1:${transportPort}`,
        },
        localClients: [{ id: `VN/GOV/${a.memberCode}/${DOCEX_SUBSYSTEM}` }],
        ...options.gateway,
      });
      started.push(gateway);
      await ctx.db.transaction().execute((tx) =>
        updateGatewayAddresses(ctx, tx, SYSTEM_ACTOR, {
          memberClass: 'GOV',
          memberCode: a.memberCode,
          gatewayCode: 'gw1',
          addresses: [gateway.providerUrl],
        }),
      );
      prepared.push({ a, keys, transportPort, gateway, gatewayDatabase });
    }
    await t.registry.publish();
    for (const p of prepared) await p.gateway.refreshConfiguration();
    for (const p of prepared) {
      const docexDatabase = await options.openDocexDatabase(`docex_${p.a.memberCode.replace(/\W/g, '_')}`);
      started.push(docexDatabase);
      const apiKey = `dx_${randomBytes(24).toString('base64url')}`;
      const operatorKey = `dx_${randomBytes(24).toString('base64url')}`;
      const sha = (k: string) => createHash('sha256').update(k).digest('hex');
      const docexOptions: Parameters<typeof startDocex>[0] = {
        identity: { instance: 'VN', memberClass: 'GOV', memberCode: p.a.memberCode },
        database: docexDatabase,
        clock: t.clock,
        random: systemRandom,
        logger,
        signing: p.keys.signing,
        globalconf: { anchor },
        gateway: { consumerUrl: p.gateway.consumerUrl },
        dataDir: path.join(options.dataDir, p.a.memberCode),
        api: { host: '127.0.0.1', port: 0 },
        transport: { host: '127.0.0.1', port: p.transportPort },
        clients: [
          { name: 'Hệ thống quản lý văn bản', apiKeySha256: sha(apiKey) },
          { name: 'Quản trị docex', apiKeySha256: sha(operatorKey), role: 'operator' },
        ],
        limits: options.limits,
        pollMs: options.pollMs,
        webhook: options.webhook?.(p.a.memberCode),
      };
      const docex = await startDocex(docexOptions);
      nodeOptions.set(p.a.memberCode, docexOptions);
      agencies.set(p.a.memberCode, {
        memberCode: p.a.memberCode,
        gateway: p.gateway,
        docex,
        apiKey,
        operatorKey,
        gatewayDatabase: p.gatewayDatabase,
        docexDatabase,
      });
    }
  } catch (err) {
    for (const a of agencies.values()) await a.docex.close().catch(() => {});
    for (const s of started.reverse()) await s.close().catch(() => {});
    throw err;
  }
  const stopped = new Set<string>();
  return {
    agencies,
    stopDocex: async (code) => {
      stopped.add(code);
      await agencies.get(code)!.docex.close();
    },
    startDocex: async (code) => {
      const agency = agencies.get(code)!;
      agency.docex = await startDocex(nodeOptions.get(code)!);
      stopped.delete(code);
    },
    close: async () => {
      for (const a of agencies.values())
        if (!stopped.has(a.memberCode)) await a.docex.close().catch(() => {});
      for (const s of started.reverse()) await s.close().catch(() => {});
    },
  };
}
