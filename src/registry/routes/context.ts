import type { FastifyRequest } from 'fastify';
import { AppError } from '../../kernel/errors.ts';
import type { HttpServer } from '../../kernel/http/server.ts';
import type { CaKeys } from '../ca.service.ts';
import type { Actor, RegistryContext } from '../context.ts';
import type { GlobalConfSettings } from '../globalconf.service.ts';

export interface RouteDeps {
  ctx: RegistryContext;
  ca: CaKeys;
  settings: GlobalConfSettings;
  /** Called after any change that the global configuration reflects. */
  onChange: () => void;
}

export type RegisterRoutes = (app: HttpServer, deps: RouteDeps) => void;

export function actorOf(request: FastifyRequest): Actor {
  if (!request.principal) {
    throw new AppError('unauthenticated', 'auth.missing_credentials', 'This endpoint needs credentials.');
  }
  return { ...request.principal, requestId: request.id };
}
