import { Type } from '@sinclair/typebox';
import {
  approveRequest,
  fileRequest,
  getRequestFor,
  listRequests,
  type RequestPayload,
  rejectRequest,
} from '../requests.service.ts';
import { actorOf, type RegisterRoutes } from './context.ts';
import * as S from './schemas.ts';

/** Management requests: agencies file, the operator approves or rejects. */
export const registerRequestRoutes: RegisterRoutes = (app, { ctx, onChange }) => {
  const tags = ['management requests'];
  app.post(
    '/api/v1/requests',
    {
      schema: {
        tags,
        summary: 'File a registration request (member, subsystem, gateway, gateway client, service)',
        body: S.RequestInput,
        response: { 201: S.ManagementRequest, ...S.authErrors, 409: S.ErrorResponse },
      },
    },
    async (req, reply) =>
      reply.status(201).send(await fileRequest(ctx, actorOf(req), req.body as RequestPayload)),
  );

  app.get(
    '/api/v1/requests',
    {
      schema: {
        tags,
        summary: 'Requests, newest first',
        querystring: Type.Object({
          status: Type.Optional(
            Type.Union([Type.Literal('pending'), Type.Literal('approved'), Type.Literal('rejected')]),
          ),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 200 })),
        }),
        response: { 200: Type.Array(S.ManagementRequest), ...S.authErrors },
      },
    },
    async (req) => listRequests(ctx, actorOf(req), req.query),
  );

  app.get(
    '/api/v1/requests/:id',
    {
      schema: {
        tags,
        summary: 'One request',
        params: Type.Object({ id: Type.Integer() }),
        response: { 200: S.ManagementRequest, ...S.authErrors },
      },
    },
    async (req) => getRequestFor(ctx, actorOf(req), req.params.id),
  );

  app.post(
    '/api/v1/requests/:id/approve',
    {
      config: { optionalBody: true },
      schema: {
        tags,
        summary: 'Approve a pending request and apply it (operator)',
        params: Type.Object({ id: Type.Integer() }),
        body: Type.Object(
          { note: Type.Optional(Type.String({ maxLength: 2000 })) },
          { additionalProperties: false },
        ),
        response: { 200: S.ManagementRequest, ...S.authErrors, 409: S.ErrorResponse },
      },
    },
    async (req) => {
      const r = await approveRequest(ctx, actorOf(req), req.params.id, req.body.note);
      onChange();
      return r;
    },
  );

  app.post(
    '/api/v1/requests/:id/reject',
    {
      schema: {
        tags,
        summary: 'Reject a pending request with a reason (operator)',
        params: Type.Object({ id: Type.Integer() }),
        body: Type.Object(
          { reason: Type.String({ minLength: 1, maxLength: 2000 }) },
          { additionalProperties: false },
        ),
        response: { 200: S.ManagementRequest, ...S.authErrors, 409: S.ErrorResponse },
      },
    },
    async (req) => rejectRequest(ctx, actorOf(req), req.params.id, req.body.reason),
  );
};
