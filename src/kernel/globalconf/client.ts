import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { request } from 'undici';
import type { Clock } from '../clock.ts';
import { AppError } from '../errors.ts';
import type { ConfigurationAnchor, GlobalConfiguration } from './format.ts';
import { verifyConfiguration } from './verify.ts';

/**
 * Keeps a gateway's copy of the global configuration fresh: downloads with If-None-Match,
 * verifies before accepting, keeps the last good copy on disk so a restart while the registry
 * is down still works, and refuses to serve a copy past its expiry.
 */
export interface GlobalConfClientOptions {
  anchor: ConfigurationAnchor;
  clock: Clock;
  /** File where the last verified document is kept across restarts. */
  cacheFile?: string | undefined;
  timeoutMs?: number | undefined;
}

export type RefreshOutcome = 'updated' | 'not_modified';

export class GlobalConfClient {
  private conf: GlobalConfiguration | null = null;
  private etag: string | null = null;
  private readonly options: GlobalConfClientOptions;

  constructor(options: GlobalConfClientOptions) {
    this.options = options;
  }

  /** Loads the cached copy from disk if it still verifies (e.g. after a restart). */
  async loadCache(): Promise<boolean> {
    if (!this.options.cacheFile) return false;
    let text: string;
    try {
      text = readFileSync(this.options.cacheFile, 'utf8');
    } catch {
      return false;
    }
    try {
      this.conf = await verifyConfiguration(text, this.options.anchor, { now: this.options.clock.now() });
      return true;
    } catch {
      return false;
    }
  }

  async refresh(): Promise<RefreshOutcome> {
    const url = this.options.anchor.configurationUrl;
    let res: Awaited<ReturnType<typeof request>>;
    try {
      res = await request(url, {
        method: 'GET',
        headers: this.etag ? { 'if-none-match': this.etag } : {},
        headersTimeout: this.options.timeoutMs ?? 10_000,
        bodyTimeout: this.options.timeoutMs ?? 30_000,
      });
    } catch (err) {
      throw new AppError(
        'unavailable',
        'globalconf.unreachable',
        `Cannot download the global configuration from ${url}: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
    if (res.statusCode === 304) {
      await res.body.dump();
      return 'not_modified';
    }
    const text = await res.body.text();
    if (res.statusCode !== 200) {
      throw new AppError(
        'bad_gateway',
        'globalconf.download_failed',
        `The registry answered ${res.statusCode} for ${url}.`,
      );
    }
    const conf = await verifyConfiguration(text, this.options.anchor, {
      now: this.options.clock.now(),
      previous: this.conf ? { serial: this.conf.serial, contentHash: this.conf.contentHash } : undefined,
    });
    this.conf = conf;
    const etag = res.headers['etag'];
    this.etag = typeof etag === 'string' ? etag : null;
    if (this.options.cacheFile) writeAtomically(this.options.cacheFile, text);
    return 'updated';
  }

  /** Where the configuration is downloaded from; the registry's public directory lives beside it. */
  anchorUrl(): string {
    return this.options.anchor.configurationUrl;
  }

  /** The configuration in force; refuses one past its expiry rather than route on stale facts. */
  current(): GlobalConfiguration {
    if (!this.conf) {
      throw new AppError(
        'unavailable',
        'globalconf.missing',
        'No global configuration has been downloaded yet.',
      );
    }
    if (Date.parse(this.conf.expiresAt) <= this.options.clock.now().getTime()) {
      throw new AppError(
        'unavailable',
        'globalconf.expired',
        `The global configuration expired at ${this.conf.expiresAt} and the registry could not be reached to renew it.`,
      );
    }
    return this.conf;
  }
}

function writeAtomically(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

/**
 * A client ready to serve: the cached copy loaded, then one download tried. When the registry is
 * unreachable the cached copy is used (`onStale` is told why); with neither, `unavailable`
 * makes the error the component reports.
 */
export async function openGlobalConf(
  options: GlobalConfClientOptions,
  unavailable: (cause: Error) => Error,
  onStale?: (cause: Error) => void,
): Promise<GlobalConfClient> {
  const client = new GlobalConfClient(options);
  const cached = await client.loadCache();
  try {
    await client.refresh();
  } catch (err) {
    if (!cached) throw unavailable(err as Error);
    onStale?.(err as Error);
  }
  return client;
}
