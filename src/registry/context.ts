import type { Clock } from '../kernel/clock.ts';
import type { Principal } from '../kernel/http/server.ts';
import type { Logger } from '../kernel/log.ts';
import type { Random } from '../kernel/random.ts';
import type { RegistryDb } from './registry.db.ts';

/** What every registry service function is given: its storage and the injected world. */
export interface RegistryContext {
  db: RegistryDb;
  clock: Clock;
  random: Random;
  logger: Logger;
  /** X-Road instance this registry governs, e.g. 'VN'. */
  instance: string;
}

/** The caller of a service function, for authorisation and the audit log. */
export interface Actor extends Principal {
  requestId?: string | undefined;
}

/** The registry itself, for changes it makes on its own (start-up, scheduled publication). */
export const SYSTEM_ACTOR: Actor = {
  kind: 'api_key',
  id: 'system',
  name: 'Liên Thông registry',
  role: 'system',
};
