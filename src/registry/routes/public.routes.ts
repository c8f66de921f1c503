import { AppError } from '../../kernel/errors.ts';
import { configurationAnchor, latestConfiguration } from '../globalconf.service.ts';
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
};
