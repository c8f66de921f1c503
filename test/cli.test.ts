import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testDatabaseUrl } from './support/database.ts';

const BIN = path.resolve('bin/lienthong.js');

function run(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Starts `lienthong up` and resolves once it has printed its URLs. */
function up(
  args: string[],
  env: Record<string, string>,
): Promise<{ child: ChildProcess; output: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'up', ...args], { env: { ...process.env, ...env } });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`lienthong up did not start:\n${out}`)), 90_000);
    const onData = (d: Buffer) => {
      out += d;
      if (out.includes('Ctrl-C')) {
        clearTimeout(timer);
        resolve({ child, output: () => out });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`lienthong up exited with ${code}:\n${out}`)));
  });
}

// Each test spawns real processes; on a busy two-core machine that takes its time.
describe('lienthong CLI', { timeout: 180_000 }, () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) c.kill('SIGKILL');
  });

  it('has --help on every command', async () => {
    const top = await run(['--help']);
    expect(top.code).toBe(0);
    for (const cmd of ['up', 'migrate', 'registry', 'pki', 'globalconf']) expect(top.stdout).toContain(cmd);
    for (const args of [
      ['up'],
      ['registry', 'members', 'list'],
      ['registry', 'requests', 'approve'],
      ['pki', 'request'],
      ['globalconf', 'fetch'],
    ]) {
      const res = await run([...args, '--help']);
      expect(res.code, args.join(' ')).toBe(0);
      expect(res.stdout).toMatch(/Usage: lienthong/);
    }
  });

  it('reports bad configuration with the setting to fix and a non-zero exit', async () => {
    const res = await run(['migrate', '--ephemeral'], { LIENTHONG_REGISTRY_PORT: 'eighty' });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('config.invalid');
    expect(res.stderr).toContain('LIENTHONG_REGISTRY_PORT must be a number');
    const prod = await run(['registry', 'serve', '--ephemeral'], {
      LIENTHONG_MODE: 'production',
      LIENTHONG_CA_PASSPHRASE: '',
    });
    expect(prod.stderr).toContain('config.production_incomplete');
    expect(prod.stderr).toContain('LIENTHONG_CA_PASSPHRASE');
  });

  it('`up` serves /healthz on the console address, and the registry CLI works against it', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'lt-up-'));
    const url = testDatabaseUrl();
    const { child, output } = await up(
      [
        '--console-port',
        '0',
        '--registry-port',
        '0',
        '--data-dir',
        dataDir,
        '--log-level',
        'warn',
        ...(url ? ['--database-url', url] : []),
      ],
      {},
    );
    children.push(child);
    const consoleUrl = /Console[^\n]*?(http:\/\/127\.0\.0\.1:\d+)/.exec(output())![1]!;
    const registryUrl = /Registry[^\n]*?(http:\/\/127\.0\.0\.1:\d+)/.exec(output())![1]!;
    const health = await fetch(`${consoleUrl}/healthz`);
    expect(health.status).toBe(200);
    const status = (await health.json()) as {
      status: string;
      components: { name: string; url: string; state: string }[];
    };
    expect(status.status).toBe('ok');
    expect(status.components[0]).toEqual({ name: 'registry', url: registryUrl, state: 'up' });
    // A gateway for every sample agency that provides or consumes a service.
    expect(status.components.filter((c) => c.name.startsWith('gateway ')).length).toBeGreaterThanOrEqual(5);
    expect(status.components.every((c) => c.state === 'up')).toBe(true);

    // The printed curl works: a call through two gateways to the sample population service.
    const curl = /curl -s (\S+) \\\n\s+-H '([^']+)' \\\n\s+-H '([^']+)' -H '([^']+)'/.exec(output())!;
    expect(curl).not.toBeNull();
    const headers = Object.fromEntries(curl.slice(2).map((h) => h.split(': ') as [string, string]));
    const answer = await fetch(curl[1]!, { headers });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-road-service')).toBe('VN/GOV/000.00.00.G01/population/citizens/v1');
    expect(((await answer.json()) as { fullName: string }).fullName).toBe('Nguyễn Thị Hương');

    // The printed docex curl shows the Government Office inbox: Quảng Ninh's letter, completed (06).
    expect(status.components.filter((c) => c.name.startsWith('docex ')).length).toBe(6);
    const inboxCurl = /curl -s (\S+\/api\/v1\/inbox) -H 'Authorization: ([^']+)'/.exec(output())!;
    expect(inboxCurl).not.toBeNull();
    const inbox = await fetch(inboxCurl[1]!, { headers: { authorization: inboxCurl[2]! } });
    expect(inbox.status).toBe(200);
    const items = (
      (await inbox.json()) as { items: { sender: string; status: string; attachments: unknown[] }[] }
    ).items;
    expect(items).toContainEqual(expect.objectContaining({ sender: '000.00.00.H49', status: '06' }));
    expect(items.find((i) => i.sender === '000.00.00.H49')!.attachments).toHaveLength(1);

    const env = { LIENTHONG_DATA_DIR: dataDir, LIENTHONG_REGISTRY_URL: registryUrl };
    const list = await run(['registry', 'members', 'list', '--json', '--limit', '500'], env);
    expect(list.code).toBe(0);
    const members = JSON.parse(list.stdout) as { memberCode: string; nameVi: string }[];
    expect(members.find((m) => m.memberCode === '000.00.00.H49')?.nameVi).toBe(
      'Ủy ban nhân dân tỉnh Quảng Ninh',
    );

    const anchorFile = path.join(dataDir, 'anchor.json');
    expect(
      (await run(['globalconf', 'anchor', '--registry-url', registryUrl, '--out', anchorFile])).code,
    ).toBe(0);
    const fetched = await run(['globalconf', 'fetch', '--anchor', anchorFile]);
    expect(fetched.code).toBe(0);
    expect(fetched.stdout).toMatch(/verified/);

    const missing = await run(['registry', 'members', 'show', 'GOV/000.00.00.H01'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('registry.unknown_member');
    const noKey = await run(['registry', 'audit'], {
      LIENTHONG_REGISTRY_URL: registryUrl,
      LIENTHONG_DATA_DIR: '/nonexistent',
    });
    expect(noKey.stderr).toContain('auth.missing_credentials');
    expect(noKey.stderr).toContain('--api-key');

    child.kill('SIGTERM');
    const code = await new Promise((r) => child.once('exit', r));
    expect(code).toBe(0);
  });
});
