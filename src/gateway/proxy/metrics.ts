import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The gateway's Prometheus metrics; one registry per gateway so several can share a process. */
export interface GatewayMetrics {
  registry: Registry;
  requests: Counter<'side' | 'service' | 'status'>;
  latency: Histogram<'side'>;
  errors: Counter<'side' | 'type'>;
  configAge: Gauge;
  certificateDays: Gauge<'usage'>;
  logBacklog: Gauge;
}

export function createMetrics(labels: Record<string, string>): GatewayMetrics {
  const registry = new Registry();
  registry.setDefaultLabels(labels);
  return {
    registry,
    requests: new Counter({
      name: 'lienthong_gateway_requests_total',
      help: 'Exchanges handled, by side (consumer/provider), service and HTTP status',
      labelNames: ['side', 'service', 'status'],
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'lienthong_gateway_request_duration_seconds',
      help: 'Time from receiving a request to releasing its response',
      labelNames: ['side'],
      buckets: [0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    errors: new Counter({
      name: 'lienthong_gateway_errors_total',
      help: 'X-Road errors raised by this gateway, by type',
      labelNames: ['side', 'type'],
      registers: [registry],
    }),
    configAge: new Gauge({
      name: 'lienthong_gateway_globalconf_age_seconds',
      help: 'Seconds since the global configuration in force was generated',
      registers: [registry],
    }),
    certificateDays: new Gauge({
      name: 'lienthong_gateway_certificate_days_to_expiry',
      help: 'Days until the gateway certificates expire',
      labelNames: ['usage'],
      registers: [registry],
    }),
    logBacklog: new Gauge({
      name: 'lienthong_gateway_messagelog_unsealed_records',
      help: 'Message log records not yet sealed under a signed batch',
      registers: [registry],
    }),
  };
}
