import { Pool } from 'undici';

/**
 * A closed-loop load generator: `concurrency` callers, each sending its next request as soon
 * as the previous one is answered, for `durationMs`. Latencies in milliseconds.
 */
export interface LoadSpec {
  url: string;
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string | undefined;
  concurrency: number;
  durationMs: number;
  warmupMs: number;
}

export interface LoadResult {
  requests: number;
  errors: number;
  firstError: string | null;
  seconds: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const pool = new Pool(spec.url, { connections: spec.concurrency, pipelining: 1 });
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | null = null;
  let measuring = false;
  const stopAt = { t: Number.POSITIVE_INFINITY };
  const one = async () => {
    const started = performance.now();
    try {
      const res = await pool.request({
        method: spec.method,
        path: spec.path,
        headers: spec.headers,
        body: spec.body,
      });
      await res.body.dump();
      if (res.statusCode >= 400) throw new Error(`HTTP ${res.statusCode}`);
      if (measuring) latencies.push(performance.now() - started);
    } catch (err) {
      if (measuring) {
        errors++;
        firstError ??= (err as Error).message;
      }
    }
  };
  const worker = async () => {
    while (performance.now() < stopAt.t) await one();
  };
  const workers = Array.from({ length: spec.concurrency }, worker);
  await new Promise((r) => setTimeout(r, spec.warmupMs));
  measuring = true;
  const begin = performance.now();
  stopAt.t = begin + spec.durationMs;
  await Promise.all(workers);
  const seconds = (performance.now() - begin) / 1000;
  await pool.close();
  latencies.sort((a, b) => a - b);
  const q = (p: number) =>
    latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]! : 0;
  return {
    requests: latencies.length,
    errors,
    firstError,
    seconds,
    rps: latencies.length / seconds,
    p50: q(0.5),
    p90: q(0.9),
    p99: q(0.99),
  };
}
