import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GatewayKeys } from '../gateway/demo/keys.ts';
import type { ConfigurationAnchor } from '../kernel/globalconf/index.ts';
import { freePort } from '../kernel/net.ts';

export { freePort };

/**
 * A gateway run as operators run it: its own process, `lienthong gateway serve --config …`,
 * keys and anchor in files. The benchmark uses it so each gateway has its own event loop, as
 * on two agencies' machines, instead of sharing one thread with the other gateway.
 */
export interface GatewayProcessSpec {
  dir: string;
  memberCode: string;
  keys: GatewayKeys;
  anchor: ConfigurationAnchor;
  providerPort: number;
  databaseUrl?: string | undefined;
  backends?: Record<string, string>;
  clients?: { id: string }[];
}

export interface GatewayProcess {
  consumerUrl: string;
  providerUrl: string;
  adminUrl: string;
  configFile: string;
  /** SIGTERM, then waits for the gateway to close its database. */
  stop(): Promise<void>;
}

const BIN = fileURLToPath(new URL('../../bin/lienthong.js', import.meta.url));

export async function launchGatewayProcess(spec: GatewayProcessSpec): Promise<GatewayProcess> {
  mkdirSync(spec.dir, { recursive: true });
  const file = (name: string, text: string) => {
    writeFileSync(path.join(spec.dir, name), text, { mode: 0o600 });
    return name;
  };
  const [consumerPort, adminPort] = [await freePort(), await freePort()];
  const config = {
    memberCode: spec.memberCode,
    anchorFile: file('anchor.json', JSON.stringify(spec.anchor)),
    tls: {
      certificateFile: file('auth.crt', spec.keys.tls.certificatePem),
      keyFile: file('auth.key', spec.keys.tls.privateKeyPem),
    },
    signing: {
      certificateFile: file('sign.crt', spec.keys.signing.certificatePem),
      keyFile: file('sign.key', spec.keys.signing.privateKeyPem),
    },
    consumer: { host: '127.0.0.1', port: consumerPort },
    provider: { host: '127.0.0.1', port: spec.providerPort },
    admin: { host: '127.0.0.1', port: adminPort },
    backends: spec.backends ?? {},
    clients: spec.clients ?? [],
    dataDir: 'data',
    ...(spec.databaseUrl ? { databaseUrl: spec.databaseUrl } : {}),
    logLevel: 'warn',
  };
  const configFile = path.join(spec.dir, 'gateway.json');
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  // LIENTHONG_BENCH_PROFILE=<dir>: each gateway writes a CPU profile there when it stops.
  const profile = process.env['LIENTHONG_BENCH_PROFILE'];
  const nodeArgs = profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : [];
  const child = spawn(process.execPath, [...nodeArgs, BIN, 'gateway', 'serve', '--config', configFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: gatewayEnv(spec.databaseUrl),
  });
  let output = '';
  child.stdout.on('data', (d) => {
    output += d;
  });
  child.stderr.on('data', (d) => {
    output += d;
  });
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  await waitHealthy(child, adminUrl, () => output);
  return {
    consumerUrl: `http://127.0.0.1:${consumerPort}`,
    providerUrl: `https://127.0.0.1:${spec.providerPort}`,
    adminUrl,
    configFile,
    stop: () => stop(child),
  };
}

async function waitHealthy(child: ChildProcess, adminUrl: string, output: () => string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the gateway exited (${child.exitCode}):\n${output()}`);
    try {
      const res = await fetch(`${adminUrl}/healthz`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill('SIGKILL');
  throw new Error(`the gateway did not become healthy within 120 s:\n${output()}`);
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * The environment for a gateway process (or a CLI command reading its database): DATABASE_URL
 * overrides the configuration file, so it must name the same database or be absent.
 */
export function gatewayEnv(databaseUrl: string | undefined): NodeJS.ProcessEnv {
  const env = { ...process.env };
  if (databaseUrl) env['DATABASE_URL'] = databaseUrl;
  else delete env['DATABASE_URL'];
  return env;
}
