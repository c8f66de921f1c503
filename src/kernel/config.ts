import { existsSync, readFileSync } from 'node:fs';
import type { Static, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { AppError } from './errors.ts';

/**
 * Configuration comes from, in increasing precedence: schema defaults, a JSON file,
 * environment variables, command-line flags. The merged result is validated once, at
 * start-up, and every problem is reported with its path and what is expected.
 */
export interface EnvBinding {
  /** Environment variable, e.g. `DATABASE_URL`. */
  env: string;
  /** Dotted path in the configuration object, e.g. `database.url`. */
  path: string;
  type?: 'string' | 'number' | 'boolean';
}

export interface ConfigSources {
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
  bindings?: EnvBinding[];
  /** Flags already parsed by the CLI, as dotted paths. Undefined values are ignored. */
  overrides?: Record<string, unknown>;
}

export function loadConfig<S extends TSchema>(schema: S, sources: ConfigSources = {}): Static<S> {
  let raw: Record<string, unknown> = {};
  if (sources.file) raw = readConfigFile(sources.file);
  const env = sources.env ?? process.env;
  for (const b of sources.bindings ?? []) {
    const value = env[b.env];
    if (value === undefined || value === '') continue;
    setPath(raw, b.path, coerce(value, b, 'environment variable'));
  }
  for (const [path, value] of Object.entries(sources.overrides ?? {})) {
    if (value !== undefined) setPath(raw, path, value);
  }
  const withDefaults = Value.Default(schema, Value.Clone(raw));
  const converted = Value.Convert(schema, withDefaults);
  const problems = [...Value.Errors(schema, converted)];
  if (problems.length > 0) {
    const lines = dedupe(
      problems.map((p) => `  - ${p.path.replace(/^\//, '').replaceAll('/', '.') || '(root)'}: ${p.message}`),
    );
    throw new AppError(
      'bad_input',
      'config.invalid',
      `Invalid configuration${sources.file ? ` (file ${sources.file})` : ''}:\n${lines.join('\n')}\nFix these settings in the file, the environment or the command line.`,
      { details: { problems: lines } },
    );
  }
  return converted as Static<S>;
}

function readConfigFile(file: string): Record<string, unknown> {
  if (!existsSync(file)) {
    throw new AppError('bad_input', 'config.file_not_found', `Configuration file ${file} does not exist.`);
  }
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new Error('the top level must be a JSON object');
    }
    return parsed as Record<string, unknown>;
  } catch (err) {
    throw new AppError(
      'bad_input',
      'config.file_invalid',
      `Configuration file ${file} is not valid JSON: ${(err as Error).message}`,
    );
  }
}

function coerce(value: string, b: EnvBinding, where: string): unknown {
  if (b.type === 'number') {
    const n = Number(value);
    if (!Number.isFinite(n)) {
      throw new AppError(
        'bad_input',
        'config.invalid',
        `${where} ${b.env} must be a number, got "${value}".`,
      );
    }
    return n;
  }
  if (b.type === 'boolean') {
    if (/^(1|true|yes|on)$/i.test(value)) return true;
    if (/^(0|false|no|off)$/i.test(value)) return false;
    throw new AppError(
      'bad_input',
      'config.invalid',
      `${where} ${b.env} must be true or false, got "${value}".`,
    );
  }
  return value;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const child = node[part];
    if (child === null || typeof child !== 'object') node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts.at(-1)!] = value;
}

function dedupe(lines: string[]): string[] {
  return [...new Set(lines)];
}
