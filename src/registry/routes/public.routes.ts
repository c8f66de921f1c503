import { Type } from '@sinclair/typebox';
import { AppError, badInput } from '../../kernel/errors.ts';
import { configurationAnchor, latestConfiguration } from '../globalconf.service.ts';
import { getServiceOpenapi } from '../services.service.ts';
import type { RegisterRoutes } from './context.ts';

/** What anyone may download: the signed global configuration and its anchor. */
export const registerPublicRoutes: RegisterRoutes = (app, { ctx, ca, settings }) => {
  app.get(
    '/globalconf',
    {
      config: { public: true },
      schema: {
        tags: ['global configuration'],
        summary: 'The signed global configuration (JWS, flattened JSON); supports If-None-Match',
      },
    },
    async (req, reply) => {
      const latest = await latestConfiguration(ctx.db);
      if (!latest)
        throw new AppError(
          'unavailable',
          'globalconf.not_published',
          'No global configuration is published yet; try again in a moment.',
        );
      const etag = `"${latest.serial}"`;
      reply.header('etag', etag).header('cache-control', 'no-cache');
      reply.header('x-lienthong-globalconf-serial', String(latest.serial));
      reply.header('x-lienthong-globalconf-expires', latest.expiresAt.toISOString());
      if (req.headers['if-none-match'] === etag) return reply.status(304).send();
      return reply.type('application/jose+json').send(latest.document);
    },
  );

  app.get(
    '/globalconf/anchor',
    {
      config: { public: true },
      schema: {
        tags: ['global configuration'],
        summary: "The configuration anchor: where to download, and the signer's certificate",
      },
    },
    async (_req, reply) => {
      reply.header('content-disposition', 'attachment; filename="lienthong-anchor.json"');
      return configurationAnchor(ctx.instance, ca, settings, ctx.clock.now());
    },
  );

  app.get(
    '/directory/services/*',
    {
      config: { public: true },
      schema: {
        tags: ['global configuration'],
        summary: "A service's OpenAPI description (public directory; gateways answer getOpenAPI from it)",
        description:
          'Path: /directory/services/{instance}/{class}/{member}/{subsystem}/{service}[/{version}]/openapi',
        params: Type.Object({ '*': Type.String() }),
      },
    },
    async (req) => {
      const parts = req.params['*'].split('/').map(decodeURIComponent);
      if (parts.at(-1) !== 'openapi' || parts.length < 6 || parts.length > 7 || parts[0] !== ctx.instance) {
        throw badInput(
          'registry.invalid_service_path',
          'Use /directory/services/{instance}/{class}/{member}/{subsystem}/{service}[/{version}]/openapi.',
        );
      }
      const [, memberClass, memberCode, subsystemCode, serviceCode] = parts as string[];
      return getServiceOpenapi(ctx.db, {
        memberClass: memberClass!,
        memberCode: memberCode!,
        subsystemCode: subsystemCode!,
        serviceCode: serviceCode!,
        version: parts.length === 7 ? parts[5] : null,
      });
    },
  );
};
