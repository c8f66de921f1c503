import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  type DocexAgencySpec,
  type DocexFederation,
  type DocexFederationOptions,
  startDocexFederation,
} from '../../src/docex/demo/federation.ts';
import { DOCEX_MIGRATIONS } from '../../src/docex/index.ts';
import { GATEWAY_MIGRATIONS } from '../../src/gateway/index.ts';
import { testDatabase } from './database.ts';
import { startTestRegistry, type TestRegistry } from './registry.ts';

export const AGENCIES: DocexAgencySpec[] = [
  { memberCode: '000.00.00.H49', nameVi: 'Ủy ban nhân dân tỉnh Quảng Ninh', kind: 'province' },
  { memberCode: '000.00.00.G01', nameVi: 'Bộ Công an', kind: 'ministry' },
  { memberCode: '000.00.00.H26', nameVi: 'Ủy ban nhân dân tỉnh Hưng Yên', kind: 'province' },
];

export interface TestDocex extends DocexFederation {
  t: TestRegistry;
  /** Calls an agency's docex API with its document system's key (or another, or none). */
  api(
    memberCode: string,
    method: string,
    p: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: Record<string, unknown> & unknown[] }>;
}

/** Agencies with a gateway and a docex node each, over a fresh test registry and databases. */
export async function startTestDocex(
  agencies: DocexAgencySpec[] = AGENCIES,
  options: Partial<Pick<DocexFederationOptions, 'limits' | 'pollMs' | 'webhook'>> = {},
): Promise<TestDocex> {
  const t = await startTestRegistry();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'lt-docex-'));
  const fed = await startDocexFederation({
    registry: t,
    agencies,
    openGatewayDatabase: (c) => testDatabase(GATEWAY_MIGRATIONS, c),
    openDocexDatabase: (c) => testDatabase([DOCEX_MIGRATIONS], c),
    dataDir,
    pollMs: options.pollMs ?? 200,
    limits: options.limits,
    webhook: options.webhook,
  });
  return {
    ...fed,
    t,
    api: async (memberCode, method, p, body, headers = {}) => {
      const a = fed.agencies.get(memberCode)!;
      const isJson = body !== undefined && !(body instanceof Uint8Array);
      const res = await fetch(`${a.docex.apiUrl}${p}`, {
        method,
        headers: {
          authorization: `Bearer ${a.apiKey}`,
          ...(isJson ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        body: body === undefined ? undefined : isJson ? JSON.stringify(body) : (body as Uint8Array),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : {} };
    },
    close: async () => {
      await fed.close();
      await t.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
