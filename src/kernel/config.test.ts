import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';

const schema = Type.Object({
  port: Type.Integer({ minimum: 1, maximum: 65535, default: 8080 }),
  database: Type.Object(
    { url: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })) },
    { default: {} },
  ),
  mode: Type.Union([Type.Literal('demo'), Type.Literal('production')], { default: 'demo' }),
});
const bindings = [
  { env: 'PORT', path: 'port', type: 'number' as const },
  { env: 'DATABASE_URL', path: 'database.url' },
];

describe('loadConfig', () => {
  it('applies defaults, then file, then environment, then flags', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lt-cfg-'));
    const file = path.join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ port: 9000, mode: 'production' }));
    expect(loadConfig(schema, { env: {} })).toEqual({ port: 8080, database: {}, mode: 'demo' });
    expect(loadConfig(schema, { file, env: {} }).port).toBe(9000);
    const fromEnv = loadConfig(schema, {
      file,
      env: { PORT: '9100', DATABASE_URL: 'postgres://x/y' },
      bindings,
    });
    expect(fromEnv).toEqual({ port: 9100, database: { url: 'postgres://x/y' }, mode: 'production' });
    expect(
      loadConfig(schema, { file, env: { PORT: '9100' }, bindings, overrides: { port: 9200 } }).port,
    ).toBe(9200);
  });

  it('names every invalid setting and says how to fix it', () => {
    expect(() => loadConfig(schema, { env: {}, overrides: { port: 70000, mode: 'staging' } })).toThrowError(
      /port: .*\n.*mode/s,
    );
    try {
      loadConfig(schema, { env: { PORT: 'eighty' }, bindings });
    } catch (err) {
      expect(err).toMatchObject({ code: 'config.invalid' });
      expect((err as Error).message).toContain('PORT must be a number');
    }
  });

  it('reports a missing or malformed file', () => {
    expect(() => loadConfig(schema, { file: '/nonexistent/lt.json' })).toThrowError(/does not exist/);
    const dir = mkdtempSync(path.join(tmpdir(), 'lt-cfg-'));
    const file = path.join(dir, 'bad.json');
    writeFileSync(file, '{ port: ');
    expect(() => loadConfig(schema, { file })).toThrowError(/not valid JSON/);
  });
});
