import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import { AppError, isAppError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { Random } from '../random.ts';
import { systemRandom } from '../random.ts';

/**
 * The one way every Liên Thông component builds its HTTP server: TypeBox schemas at the
 * edge (types, validation and OpenAPI from one source), one error shape, credentials
 * required on every route unless the route says `config: { public: true }`.
 */
export type HttpServer = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** Who is calling. Modules decide what each role may do. */
export interface Principal {
  kind: 'api_key' | 'user';
  /** Stable identifier of the credential or user, for the audit log. */
  id: string;
  name: string;
  role: string;
  /** The agency (member code) the principal acts for, when not a platform operator. */
  memberCode?: string | undefined;
}

export type Authenticator = (request: FastifyRequest) => Promise<Principal | null>;

export interface RouteInfo {
  method: string;
  url: string;
  public: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    routeTable: RouteInfo[];
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** The route needs no credentials (health, OpenAPI, public downloads). */
    public?: boolean;
    /** A POST whose JSON body may be left out entirely. */
    optionalBody?: boolean;
  }
}

export interface HttpServerOptions {
  logger: Logger;
  openapi: { title: string; version: string; description: string };
  authenticate?: Authenticator;
  random?: Random;
  /** Largest accepted request body in bytes (default 10 MiB). */
  bodyLimit?: number;
}

export const ERROR_RESPONSE_SCHEMA = {
  type: 'object',
  properties: {
    code: { type: 'string', description: 'Stable machine-readable error code' },
    message: { type: 'string' },
    details: { type: 'object', additionalProperties: true },
    requestId: { type: 'string' },
  },
  required: ['code', 'message'],
} as const;

export async function createHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const random = options.random ?? systemRandom;
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    bodyLimit: options.bodyLimit ?? 10 * 1024 * 1024,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[A-Za-z0-9._-]{1,100}$/.test(given) ? given : random.uuid();
    },
    ajv: { customOptions: { allErrors: true, coerceTypes: 'array', removeAdditional: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.decorateRequest('principal', null);
  // Every route with whether it is public, so a test can walk them all without credentials.
  const routes: RouteInfo[] = [];
  app.decorate('routeTable', routes);
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) {
      if (method === 'HEAD') continue;
      routes.push({ method, url: r.url, public: Boolean(r.config?.public) });
    }
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: options.openapi,
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'API key issued by the platform operator' },
        },
      },
      security: [{ apiKey: [] }],
    },
  });

  app.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    if (request.routeOptions.config?.public) return;
    if (!request.routeOptions.url) return; // unknown route: the not-found handler answers
    const principal = options.authenticate ? await options.authenticate(request) : null;
    if (!principal) {
      throw new AppError(
        'unauthenticated',
        'auth.missing_credentials',
        'This endpoint needs credentials: send "Authorization: Bearer <api key>".',
      );
    }
    request.principal = principal;
  });

  // A POST whose body is optional (approve, revoke) may come with no body at all: treat it as {}.
  app.addHook('preValidation', async (request) => {
    if (
      request.body === undefined &&
      request.method === 'POST' &&
      request.routeOptions.config?.optionalBody
    ) {
      request.body = {};
    }
  });

  app.setNotFoundHandler((request, reply) => {
    sendError(
      reply,
      request,
      new AppError(
        'not_found',
        'request.no_route',
        `No endpoint ${request.method} ${request.url.split('?')[0]}.`,
      ),
    );
  });

  app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
    sendError(reply, request, toAppError(error));
  });

  return app;
}

export function toAppError(error: unknown): AppError {
  if (isAppError(error)) return error;
  const e = error as FastifyError;
  if (e.validation) {
    const problems = e.validation.map((v) => {
      const where = `${e.validationContext ?? 'body'}${v.instancePath ? v.instancePath.replaceAll('/', '.') : ''}`;
      const extra =
        v.keyword === 'additionalProperties' ? ` (${String(v.params['additionalProperty'])})` : '';
      return `${where} ${v.message ?? 'is invalid'}${extra}`;
    });
    return new AppError('bad_input', 'request.invalid', `Invalid request: ${problems.join('; ')}.`, {
      details: { problems },
    });
  }
  switch (e.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError(
        'bad_input',
        'request.malformed_json',
        `The request body is not valid JSON: ${e.message}`,
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('unsupported_media', 'request.unsupported_media_type', e.message);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError(
        'too_large',
        'request.too_large',
        'The request body is larger than this endpoint accepts.',
      );
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new AppError('bad_input', 'request.invalid', e.message);
  }
  return new AppError('internal', 'internal.error', 'An internal error occurred. It has been logged.', {
    cause: error,
  });
}

function sendError(reply: FastifyReply, request: FastifyRequest, error: AppError): void {
  if (error.category === 'internal') {
    request.log.error({ err: error.cause ?? error }, 'internal error');
  } else if (error.status >= 500) {
    request.log.warn({ code: error.code, msg: error.message }, 'upstream or availability error');
  }
  reply
    .status(error.status)
    .type('application/json; charset=utf-8')
    .send({ ...error.toJSON(), requestId: request.id });
}
