import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PairRegistry } from '../../gateway/demo/gateway-pair.ts';
import { freePort } from '../../kernel/net.ts';
import { createCsr, generateKeyPair } from '../../kernel/pki/index.ts';
import { issueMemberCertificate } from '../../registry/ca.service.ts';
import { SYSTEM_ACTOR } from '../../registry/context.ts';
import { updateGatewayAddresses } from '../../registry/gateways.service.ts';
import { configurationAnchor } from '../../registry/globalconf.service.ts';
import type { DocexConfig } from '../config.ts';
import { DOCEX_SERVICE, DOCEX_SUBSYSTEM } from '../context.ts';
import { type DocexAgencySpec, registerDocexAgencies } from './federation.ts';

/**
 * Agencies whose gateways and docex nodes each run as their own process, as operators run them
 * (`lienthong gateway serve`, `lienthong docex serve`, keys and anchor in files), so a test can
 * kill any of them with SIGKILL and start it again on the same database, files and ports.
 */
export interface ManagedProcess {
  readonly name: string;
  pid(): number | undefined;
  running(): boolean;
  /** Spawns the process and resolves once it serves (restarts reuse the same configuration). */
  start(): Promise<void>;
  /** SIGKILL: no clean-up at all, as a power cut leaves the process's own state. */
  kill(): Promise<void>;
  /** SIGTERM, then waits (SIGKILL after 30 s); resolves with the exit code. */
  stop(): Promise<number | null>;
  /** What the current (or last) run printed, for failure messages. */
  output(): string;
}

export interface GatewayProcessHandle extends ManagedProcess {
  consumerUrl: string;
  providerUrl: string;
  adminUrl: string;
  configFile: string;
}

export interface DocexProcessHandle extends ManagedProcess {
  apiUrl: string;
  transportUrl: string;
  configFile: string;
}

export interface DocexProcessAgency {
  memberCode: string;
  /** The document system's key (role `system`) and an operator's key. */
  apiKey: string;
  operatorKey: string;
  gateway: GatewayProcessHandle;
  docex: DocexProcessHandle;
}

export interface DocexProcessesOptions {
  /** A registry on the system clock: the processes check configuration validity against it. */
  registry: PairRegistry;
  agencies: DocexAgencySpec[];
  /** One folder per agency goes here: configurations, keys, embedded databases, attachments. */
  dir: string;
  /** Every process keeps its database here (each in its own schema); else embedded stores on disk. */
  databaseUrl?: string | undefined;
  limits?: DocexConfig['limits'];
  pollMs?: number | undefined;
  logLevel?: string;
  /** How long a process may take to serve after a start (embedded databases start slowly). */
  startTimeoutMs?: number;
}

export interface DocexProcesses {
  agencies: Map<string, DocexProcessAgency>;
  /** Stops every process that still runs (docex nodes first). */
  close(): Promise<void>;
}

const BIN = fileURLToPath(new URL('../../../bin/lienthong.js', import.meta.url));

export async function startDocexProcesses(options: DocexProcessesOptions): Promise<DocexProcesses> {
  const t = options.registry;
  const ctx = t.registry.ctx;
  await registerDocexAgencies(t, options.agencies);
  const prepared = [];
  for (const a of options.agencies) {
    const ports = {
      consumer: await freePort(),
      provider: await freePort(),
      admin: await freePort(),
      api: await freePort(),
      transport: await freePort(),
    };
    await ctx.db.transaction().execute((tx) =>
      updateGatewayAddresses(ctx, tx, SYSTEM_ACTOR, {
        memberClass: 'GOV',
        memberCode: a.memberCode,
        gatewayCode: 'gw1',
        addresses: [`https://127.0.0.1:${ports.provider}`],
      }),
    );
    prepared.push({
      a,
      ports,
      tls: await issue(t, a.memberCode, 'auth'),
      sign: await issue(t, a.memberCode, 'sign'),
    });
  }
  await t.registry.publish();
  const anchor = configurationAnchor(ctx.instance, t.registry.ca, t.registry.settings, ctx.clock.now());
  const agencies = new Map<string, DocexProcessAgency>();
  const timeout = options.startTimeoutMs ?? 180_000;
  const env = { DATABASE_URL: options.databaseUrl ?? '', LIENTHONG_DATA_DIR: '' };
  for (const { a, ports, tls, sign } of prepared) {
    const dir = path.join(options.dir, a.memberCode);
    mkdirSync(dir, { recursive: true });
    const file = (name: string, text: string) => {
      writeFileSync(path.join(dir, name), text, { mode: 0o600 });
      return name;
    };
    const common = {
      memberCode: a.memberCode,
      anchorFile: file('anchor.json', JSON.stringify(anchor)),
      signing: {
        certificateFile: file('sign.crt', sign.certificatePem),
        keyFile: file('sign.key', sign.privateKeyPem),
      },
      ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
      logLevel: options.logLevel ?? 'warn',
    };
    const gatewayConfig = path.join(dir, 'gateway.json');
    writeFileSync(
      gatewayConfig,
      JSON.stringify({
        ...common,
        tls: {
          certificateFile: file('auth.crt', tls.certificatePem),
          keyFile: file('auth.key', tls.privateKeyPem),
        },
        consumer: { host: '127.0.0.1', port: ports.consumer },
        provider: { host: '127.0.0.1', port: ports.provider },
        admin: { host: '127.0.0.1', port: ports.admin },
        backends: {
          [`VN/GOV/${a.memberCode}/${DOCEX_SUBSYSTEM}/${DOCEX_SERVICE}/v1`]: `http://127.0.0.1:${ports.transport}`,
        },
        clients: [{ id: `VN/GOV/${a.memberCode}/${DOCEX_SUBSYSTEM}` }],
        dataDir: 'gateway-data',
      }),
    );
    const apiKey = `dx_${randomBytes(24).toString('base64url')}`;
    const operatorKey = `dx_${randomBytes(24).toString('base64url')}`;
    const sha = (k: string) => createHash('sha256').update(k).digest('hex');
    const docexConfig = path.join(dir, 'docex.json');
    writeFileSync(
      docexConfig,
      JSON.stringify({
        ...common,
        gateway: { consumerUrl: `http://127.0.0.1:${ports.consumer}` },
        api: { host: '127.0.0.1', port: ports.api },
        transport: { host: '127.0.0.1', port: ports.transport },
        clients: [
          { name: 'Hệ thống quản lý văn bản', apiKeySha256: sha(apiKey) },
          { name: 'Quản trị docex', apiKeySha256: sha(operatorKey), role: 'operator' },
        ],
        dataDir: 'docex-data',
        ...(options.limits ? { limits: options.limits } : {}),
        ...(options.pollMs ? { pollMs: options.pollMs } : {}),
      } satisfies Partial<DocexConfig>),
    );
    const adminUrl = `http://127.0.0.1:${ports.admin}`;
    const apiUrl = `http://127.0.0.1:${ports.api}`;
    agencies.set(a.memberCode, {
      memberCode: a.memberCode,
      apiKey,
      operatorKey,
      gateway: Object.assign(
        managedProcess(
          `gateway ${a.memberCode}`,
          ['gateway', 'serve', '--config', gatewayConfig],
          env,
          timeout,
          () => healthy(`${adminUrl}/healthz`),
        ),
        {
          consumerUrl: `http://127.0.0.1:${ports.consumer}`,
          providerUrl: `https://127.0.0.1:${ports.provider}`,
          adminUrl,
          configFile: gatewayConfig,
        },
      ),
      docex: Object.assign(
        // `serve` prints the transport line only once the node is wholly started.
        managedProcess(
          `docex ${a.memberCode}`,
          ['docex', 'serve', '--config', docexConfig],
          env,
          timeout,
          async (out) => out.includes('  transport ') && healthy(`${apiUrl}/healthz`),
        ),
        { apiUrl, transportUrl: `http://127.0.0.1:${ports.transport}`, configFile: docexConfig },
      ),
    });
  }
  const all = [...agencies.values()];
  const close = async () => {
    await Promise.all(all.map((a) => a.docex.stop()));
    await Promise.all(all.map((a) => a.gateway.stop()));
  };
  try {
    await Promise.all(all.map((a) => a.gateway.start()));
    await Promise.all(all.map((a) => a.docex.start()));
  } catch (err) {
    await close();
    throw err;
  }
  return { agencies, close };
}

async function issue(t: PairRegistry, memberCode: string, usage: 'auth' | 'sign') {
  const keys = generateKeyPair();
  const cert = await issueMemberCertificate(t.registry.ctx, t.registry.ca, SYSTEM_ACTOR, {
    memberClass: 'GOV',
    memberCode,
    usage,
    gatewayCode: usage === 'auth' ? 'gw1' : undefined,
    csr: await createCsr({ ...keys, subject: { commonName: memberCode } }),
  });
  return { certificatePem: cert.certificatePem, privateKeyPem: keys.privateKeyPem };
}

async function healthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(url);
    await res.body?.cancel();
    return res.status === 200;
  } catch {
    return false;
  }
}

const MAX_OUTPUT = 64 * 1024;

function managedProcess(
  name: string,
  args: string[],
  env: Record<string, string>,
  timeoutMs: number,
  ready: (output: string) => Promise<boolean>,
): ManagedProcess {
  let child: ChildProcess | null = null;
  let output = '';
  const exited = (c: ChildProcess) =>
    new Promise<number | null>((resolve) => {
      if (c.exitCode !== null || c.signalCode !== null) resolve(c.exitCode);
      else c.once('exit', (code) => resolve(code));
    });
  const isRunning = () => child !== null && child.exitCode === null && child.signalCode === null;
  return {
    name,
    pid: () => (isRunning() ? child?.pid : undefined),
    running: isRunning,
    output: () => output,
    start: async () => {
      if (isRunning()) throw new Error(`${name} is already running`);
      output = '';
      const c = spawn(process.execPath, [BIN, ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, ...env },
      });
      child = c;
      const keep = (d: Buffer) => {
        output = (output + d.toString()).slice(-MAX_OUTPUT);
      };
      c.stdout?.on('data', keep);
      c.stderr?.on('data', keep);
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (c.exitCode !== null || c.signalCode !== null) {
          throw new Error(`${name} exited (${c.exitCode ?? c.signalCode}) while starting:\n${output}`);
        }
        if (await ready(output)) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      c.kill('SIGKILL');
      throw new Error(`${name} did not serve within ${timeoutMs / 1000} s:\n${output}`);
    },
    kill: async () => {
      const c = child;
      if (!c || !isRunning()) return;
      const done = exited(c);
      c.kill('SIGKILL');
      await done;
    },
    stop: async () => {
      const c = child;
      if (!c) return null;
      if (!isRunning()) return c.exitCode;
      const done = exited(c);
      const force = setTimeout(() => c.kill('SIGKILL'), 30_000);
      c.kill('SIGTERM');
      const code = await done;
      clearTimeout(force);
      return code;
    },
  };
}
