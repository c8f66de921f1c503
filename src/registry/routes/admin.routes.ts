import { Type } from '@sinclair/typebox';
import { listAudit } from '../audit.ts';
import { createApiKey, ROLES, requireRole, revokeApiKey } from '../auth.ts';
import { actorOf, type RegisterRoutes } from './context.ts';
import * as S from './schemas.ts';

/** API keys and the audit log. */
export const registerAdminRoutes: RegisterRoutes = (app, { ctx }) => {
  app.post(
    '/api/v1/api-keys',
    {
      schema: {
        tags: ['administration'],
        summary: 'Create an API key (operator); the key is shown once',
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 200 }),
            role: Type.Union(ROLES.map((r) => Type.Literal(r))),
            member: Type.Optional(
              Type.Object(
                { memberClass: S.MemberClass, memberCode: S.MemberCode },
                { additionalProperties: false },
              ),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({
            id: Type.String(),
            name: Type.String(),
            role: Type.String(),
            memberCode: S.Nullable(Type.String()),
            key: Type.String(),
          }),
          ...S.authErrors,
        },
      },
    },
    async (req, reply) => reply.status(201).send(await createApiKey(ctx, actorOf(req), req.body)),
  );

  app.delete(
    '/api/v1/api-keys/:id',
    {
      schema: {
        tags: ['administration'],
        summary: 'Revoke an API key (operator)',
        params: Type.Object({ id: Type.String() }),
        response: { 204: Type.Null(), ...S.authErrors },
      },
    },
    async (req, reply) => {
      await revokeApiKey(ctx, actorOf(req), req.params.id);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/v1/audit',
    {
      schema: {
        tags: ['administration'],
        summary: 'The audit log, newest first (operator, auditor)',
        querystring: Type.Object({
          entityType: Type.Optional(Type.String()),
          entityKey: Type.Optional(Type.String()),
          actorId: Type.Optional(Type.String()),
          before: Type.Optional(Type.Integer({ minimum: 1 })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
        }),
        response: { 200: Type.Array(S.AuditRecord), ...S.authErrors },
      },
    },
    async (req) => {
      requireRole(actorOf(req), 'operator', 'auditor');
      return listAudit(ctx.db, req.query);
    },
  );
};
