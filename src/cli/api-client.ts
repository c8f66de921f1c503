import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { request } from 'undici';
import { AppError, type ErrorCategory } from '../kernel/errors.ts';

/** How CLI commands reach a running registry: its URL and an API key. */
export interface ApiFlags {
  registryUrl?: string;
  apiKey?: string;
  dataDir?: string;
}

export interface ApiClient {
  baseUrl: string;
  call<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
}

const CATEGORY_BY_STATUS: Record<number, ErrorCategory> = {
  400: 'bad_input',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'too_large',
  503: 'unavailable',
};

export function apiClient(flags: ApiFlags): ApiClient {
  const baseUrl = (
    flags.registryUrl ??
    process.env['LIENTHONG_REGISTRY_URL'] ??
    'http://127.0.0.1:8081'
  ).replace(/\/$/, '');
  const key = flags.apiKey ?? process.env['LIENTHONG_API_KEY'] ?? demoKey(flags.dataDir);
  return {
    baseUrl,
    async call<T>(method: string, p: string, body?: unknown): Promise<T> {
      let res: Awaited<ReturnType<typeof request>>;
      try {
        res = await request(`${baseUrl}${p}`, {
          method: method as 'GET',
          headers: {
            ...(key ? { authorization: `Bearer ${key}` } : {}),
            ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      } catch (err) {
        throw new AppError(
          'unavailable',
          'cli.unreachable',
          `Cannot reach the registry at ${baseUrl}: ${(err as Error).message}`,
        );
      }
      const text = await res.body.text();
      const parsed = text ? safeJson(text) : null;
      if (res.statusCode >= 400) {
        const e = (parsed ?? {}) as { code?: string; message?: string; details?: Record<string, unknown> };
        throw new AppError(
          CATEGORY_BY_STATUS[res.statusCode] ?? 'internal',
          e.code ?? `http.${res.statusCode}`,
          e.message ?? `The registry answered ${res.statusCode}.`,
          e.details ? { details: e.details } : {},
        );
      }
      return parsed as T;
    },
  };
}

function demoKey(dataDir = process.env['LIENTHONG_DATA_DIR'] ?? '.data'): string | undefined {
  const file = path.resolve(dataDir, 'operator-key.txt');
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** `GOV/000.00.00.G01` or `VN/GOV/000.00.00.G01` → class and code. */
export function memberArg(value: string): { memberClass: string; memberCode: string } {
  const parts = value.split('/');
  const [memberClass, memberCode] = parts.length === 3 ? parts.slice(1) : parts;
  if (!memberClass || !memberCode || parts.length > 3) {
    throw new AppError(
      'bad_input',
      'cli.invalid_member',
      `"${value}" is not a member: write CLASS/CODE, e.g. GOV/000.00.00.G01.`,
    );
  }
  return { memberClass, memberCode };
}

/** `GOV/000.00.00.H49/dossier` (optionally with the instance first) → subsystem reference. */
export function subsystemArg(value: string): {
  memberClass: string;
  memberCode: string;
  subsystemCode: string;
} {
  const parts = value.split('/');
  const rest = parts.length === 4 ? parts.slice(1) : parts;
  if (rest.length !== 3 || rest.some((p) => !p)) {
    throw new AppError(
      'bad_input',
      'cli.invalid_subsystem',
      `"${value}" is not a subsystem: write CLASS/CODE/SUBSYSTEM, e.g. GOV/000.00.00.H49/dossier.`,
    );
  }
  return { memberClass: rest[0]!, memberCode: rest[1]!, subsystemCode: rest[2]! };
}

/** `GOV/000.00.00.G01/population/citizens[/v1]` (optionally with the instance) → service reference. */
export function serviceArg(value: string) {
  let parts = value.split('/');
  if (parts.length >= 5 && !['GOV', 'COM', 'ORG'].includes(parts[0]!)) parts = parts.slice(1);
  if (parts.length < 4 || parts.length > 5 || parts.some((p) => !p)) {
    throw new AppError(
      'bad_input',
      'cli.invalid_service',
      `"${value}" is not a service: write CLASS/CODE/SUBSYSTEM/SERVICE[/VERSION].`,
    );
  }
  return {
    memberClass: parts[0]!,
    memberCode: parts[1]!,
    subsystemCode: parts[2]!,
    serviceCode: parts[3]!,
    version: parts[4] ?? null,
  };
}
