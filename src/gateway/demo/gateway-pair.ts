import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Database } from '../../kernel/db/database.ts';
import type { ConfigurationAnchor } from '../../kernel/globalconf/index.ts';
import { type Logger, silentLogger } from '../../kernel/log.ts';
import { systemRandom } from '../../kernel/random.ts';
import { SYSTEM_ACTOR } from '../../registry/context.ts';
import { updateGatewayAddresses } from '../../registry/gateways.service.ts';
import { configurationAnchor } from '../../registry/globalconf.service.ts';

import { type GatewayOptions, type RunningGateway, startGateway } from '../index.ts';
import type { MessageLogTables } from '../messagelog/index.ts';
import { type GatewayKeys, issueGatewayKeys } from './keys.ts';

/**
 * A two-agency federation, for gateway tests and the gateway benchmark: Quảng Ninh (H49) consumes, the Ministry of Public
 * Security (G01) provides a citizen lookup; a real registry, real certificates, two real gateways
 * over mutual TLS, and a backend that echoes what it received.
 */
export const CLIENT = 'VN/GOV/000.00.00.H49/dossier';
export const OTHER_CLIENT = 'VN/GOV/000.00.00.H49/documents';
export const SERVICE_PATH = '/r1/VN/GOV/000.00.00.G01/population/citizens';

/** What the pair needs from its registry: an operator API call and the running registry. */
export interface PairRegistry {
  registry: import('../../registry/index.ts').RunningRegistry;
  clock: import('../../kernel/clock.ts').Clock;
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  close(): Promise<void>;
}

export interface PairOptions {
  registry: PairRegistry;
  openDatabase(component: string): Promise<Database<MessageLogTables>>;
  logger?: Logger;
  gateway?: Partial<GatewayOptions>;
}

export interface TwoGateways {
  t: PairRegistry;
  consumer: RunningGateway;
  provider: RunningGateway;
  backend: {
    url: string;
    server: Server;
    requests: { method: string; url: string; headers: Record<string, unknown>; bodySize: number }[];
  };
  databases: Database<MessageLogTables>[];
  close(): Promise<void>;
}

/** The registry side of the pair, ready for two gateways to start (in this process or not). */
export interface PairFederation {
  anchor: ConfigurationAnchor;
  backend: TwoGateways['backend'];
  keys: { provider: GatewayKeys; consumer: GatewayKeys };
  /** Records where a gateway's provider side listens, as its operator would. */
  setAddress(memberCode: string, providerUrl: string): Promise<void>;
}

export const PROVIDER_MEMBER = '000.00.00.G01';
export const CONSUMER_MEMBER = '000.00.00.H49';
export const SERVICE_ID = 'VN/GOV/000.00.00.G01/population/citizens/v1';

/**
 * Registers both agencies, their subsystems, the service and its access rights, issues the
 * gateways' certificates, and starts the echo backend.
 */
export async function prepareGatewayPair(
  t: PairRegistry,
  options: { keepRequests?: boolean } = {},
): Promise<PairFederation> {
  const ok = (r: { status: number; body: unknown }) => {
    if (r.status >= 300) throw new Error(JSON.stringify(r.body));
    return r.body as Record<string, never>;
  };
  ok(
    await t.call('POST', '/api/v1/members', {
      memberClass: 'GOV',
      memberCode: '000.00.00.G01',
      nameVi: 'Bộ Công an',
      kind: 'ministry',
    }),
  );
  ok(
    await t.call('POST', '/api/v1/members', {
      memberClass: 'GOV',
      memberCode: '000.00.00.H49',
      nameVi: 'Ủy ban nhân dân tỉnh Quảng Ninh',
      kind: 'province',
    }),
  );
  const file = async (payload: unknown) => {
    const r = ok(await t.call('POST', '/api/v1/requests', payload));
    ok(await t.call('POST', `/api/v1/requests/${r['id']}/approve`, {}));
  };
  await file({
    type: 'subsystem.register',
    subsystem: {
      memberClass: 'GOV',
      memberCode: '000.00.00.G01',
      subsystemCode: 'population',
      nameVi: 'Dân cư',
    },
  });
  await file({
    type: 'subsystem.register',
    subsystem: {
      memberClass: 'GOV',
      memberCode: '000.00.00.H49',
      subsystemCode: 'dossier',
      nameVi: 'Một cửa',
    },
  });
  await file({
    type: 'subsystem.register',
    subsystem: {
      memberClass: 'GOV',
      memberCode: '000.00.00.H49',
      subsystemCode: 'documents',
      nameVi: 'Văn bản',
    },
  });
  for (const m of ['000.00.00.G01', '000.00.00.H49']) {
    await file({
      type: 'gateway.register',
      gateway: { memberClass: 'GOV', memberCode: m, gatewayCode: 'gw1', addresses: ['https://127.0.0.1:1'] },
    });
  }
  await file({
    type: 'gateway.client.register',
    gateway: { memberClass: 'GOV', memberCode: '000.00.00.G01', gatewayCode: 'gw1' },
    subsystem: { memberClass: 'GOV', memberCode: '000.00.00.G01', subsystemCode: 'population' },
  });
  for (const s of ['dossier', 'documents']) {
    await file({
      type: 'gateway.client.register',
      gateway: { memberClass: 'GOV', memberCode: '000.00.00.H49', gatewayCode: 'gw1' },
      subsystem: { memberClass: 'GOV', memberCode: '000.00.00.H49', subsystemCode: s },
    });
  }
  await file({
    type: 'service.register',
    service: {
      memberClass: 'GOV',
      memberCode: '000.00.00.G01',
      subsystemCode: 'population',
      serviceCode: 'citizens',
      version: 'v1',
      titleVi: 'Tra cứu công dân',
      personalData: true,
      endpoints: [
        { method: 'GET', path: '/citizens/{personalId}' },
        { method: 'POST', path: '/uploads' },
      ],
      openapi: { openapi: '3.1.0', info: { title: 'Tra cứu công dân', version: 'v1' }, paths: {} },
    },
  });
  const service = {
    memberClass: 'GOV',
    memberCode: '000.00.00.G01',
    subsystemCode: 'population',
    serviceCode: 'citizens',
    version: 'v1',
  };
  const subject = {
    type: 'subsystem',
    memberClass: 'GOV',
    memberCode: '000.00.00.H49',
    subsystemCode: 'dossier',
  };
  ok(
    await t.call('POST', '/api/v1/access-rights', {
      service,
      endpoint: { method: 'GET', path: '/citizens/{personalId}' },
      subject,
    }),
  );
  ok(
    await t.call('POST', '/api/v1/access-rights', {
      service,
      endpoint: { method: 'POST', path: '/uploads' },
      subject,
    }),
  );

  const backend = await startEchoBackend(options.keepRequests ?? true);
  const ctx = t.registry.ctx;
  await t.registry.publish();
  const anchor = configurationAnchor(ctx.instance, t.registry.ca, t.registry.settings, ctx.clock.now());
  const keys = {
    provider: await issueGatewayKeys(t.registry, PROVIDER_MEMBER),
    consumer: await issueGatewayKeys(t.registry, CONSUMER_MEMBER),
  };
  const setAddress = async (memberCode: string, providerUrl: string) => {
    await ctx.db.transaction().execute((tx) =>
      updateGatewayAddresses(ctx, tx, SYSTEM_ACTOR, {
        memberClass: 'GOV',
        memberCode,
        gatewayCode: 'gw1',
        addresses: [providerUrl],
      }),
    );
  };
  return { anchor, backend, keys, setAddress };
}

export async function startGatewayPair(options: PairOptions): Promise<TwoGateways> {
  const t = options.registry;
  const overrides = options.gateway ?? {};
  const { anchor, backend, keys, setAddress } = await prepareGatewayPair(t);
  const databases: Database<MessageLogTables>[] = [];
  const start = async (memberCode: string, extra: Partial<GatewayOptions>) => {
    const database = await options.openDatabase(`gw_${memberCode.slice(-3)}`);
    databases.push(database);
    const gw = await startGateway({
      identity: { instance: 'VN', memberClass: 'GOV', memberCode, gatewayCode: 'gw1' },
      database,
      clock: t.clock,
      random: systemRandom,
      logger: options.logger ?? silentLogger,
      anchor,
      ...(memberCode === PROVIDER_MEMBER ? keys.provider : keys.consumer),
      consumer: { host: '127.0.0.1', port: 0 },
      provider: { host: '127.0.0.1', port: 0 },
      admin: { host: '127.0.0.1', port: 0 },
      limits: { upstreamTimeoutMs: 5000, requestTimeoutMs: 8000, headersTimeoutMs: 8000 },
      ...extra,
      ...overrides,
    });
    await setAddress(memberCode, gw.providerUrl);
    return gw;
  };
  const provider = await start(PROVIDER_MEMBER, {
    backends: { [SERVICE_ID]: backend.url },
    localClients: [],
  });
  const consumer = await start(CONSUMER_MEMBER, { localClients: [{ id: CLIENT }, { id: OTHER_CLIENT }] });
  await t.registry.publish();
  await provider.refreshConfiguration();
  await consumer.refreshConfiguration();
  return {
    t,
    consumer,
    provider,
    backend,
    databases,
    close: async () => {
      await consumer.close();
      await provider.close();
      await new Promise((r) => backend.server.close(r));
      for (const d of databases) await d.close();
      await t.close();
    },
  };
}

/** A backend that answers with what it received (method, path, X-Road headers, body size). */
/** `keep`: remember each request for tests to inspect (off for load, where the list would grow). */
async function startEchoBackend(keep: boolean): Promise<TwoGateways['backend']> {
  const requests: TwoGateways['backend']['requests'] = [];
  const server = createServer(async (req, res) => {
    let bodySize = 0;
    for await (const chunk of req) bodySize += (chunk as Buffer).length;
    const record = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers as Record<string, unknown>,
      bodySize,
    };
    if (keep) requests.push(record);
    if (req.url?.startsWith('/citizens/redirect')) {
      res.writeHead(302, { location: 'https://example.invalid/elsewhere' });
      return res.end();
    }
    if (req.url?.startsWith('/citizens/missing')) {
      res.writeHead(404, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ code: 'population.unknown_citizen' }));
    }
    const text = JSON.stringify({
      method: record.method,
      url: record.url,
      bodySize,
      client: req.headers['x-road-client'],
      fullName: 'Nguyễn Thị Hương',
    });
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    res.end(text);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, requests };
}
