import { startGatewayPair, type TwoGateways } from '../../src/gateway/demo/gateway-pair.ts';
import { GATEWAY_MIGRATIONS, type GatewayOptions } from '../../src/gateway/index.ts';
import type { MessageLogTables } from '../../src/gateway/messagelog/index.ts';
import { testDatabase } from './database.ts';
import { startTestRegistry } from './registry.ts';

export { CLIENT, OTHER_CLIENT, SERVICE_PATH, type TwoGateways } from '../../src/gateway/demo/gateway-pair.ts';

/** The two-gateway federation over a fresh test registry and test databases. */
export async function startTwoGateways(overrides: Partial<GatewayOptions> = {}): Promise<TwoGateways> {
  const registry = await startTestRegistry();
  return startGatewayPair({
    registry,
    openDatabase: (component) => testDatabase<MessageLogTables>(GATEWAY_MIGRATIONS, component),
    gateway: overrides,
  });
}
