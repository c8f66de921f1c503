import { Type } from '@sinclair/typebox';
import {
  createGroup,
  grantAccessRight,
  listAccessRights,
  listGroups,
  revokeAccessRight,
  setGroupMembership,
} from '../access.service.ts';
import { listGateways } from '../gateways.service.ts';
import {
  createMember,
  getMember,
  getSubsystem,
  listMembers,
  listSubsystems,
  updateMember,
} from '../members.service.ts';
import { getService, getServiceOpenapi, listServices } from '../services.service.ts';
import { actorOf, type RegisterRoutes } from './context.ts';
import * as S from './schemas.ts';

const tags = (t: string) => [t];

/** Members, subsystems, gateways, services, groups and access rights. */
export const registerDirectoryRoutes: RegisterRoutes = (app, { ctx, onChange }) => {
  app.get(
    '/api/v1/members',
    {
      schema: {
        tags: tags('members'),
        summary: 'List and search agencies',
        querystring: Type.Object({
          q: Type.Optional(Type.String({ description: 'Search in code and names' })),
          memberClass: Type.Optional(Type.String()),
          parentCode: Type.Optional(Type.String()),
          kind: Type.Optional(Type.String()),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
          offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
        }),
        response: {
          200: Type.Object({ items: Type.Array(S.Member), total: Type.Integer() }),
          ...S.authErrors,
        },
      },
    },
    async (req) => listMembers(ctx, req.query),
  );

  app.post(
    '/api/v1/members',
    {
      schema: {
        tags: tags('members'),
        summary: 'Register an agency directly (operator)',
        body: S.MemberInput,
        response: { 201: S.Member, ...S.authErrors, 409: S.ErrorResponse },
      },
    },
    async (req, reply) => {
      const member = await createMember(ctx, actorOf(req), req.body as never);
      onChange();
      return reply.status(201).send(member);
    },
  );

  app.get(
    '/api/v1/members/:memberClass/:memberCode',
    {
      schema: {
        tags: tags('members'),
        summary: 'One agency',
        params: S.MemberPath,
        response: { 200: S.Member, ...S.authErrors },
      },
    },
    async (req) => getMember(ctx.db, ctx.instance, req.params),
  );

  app.patch(
    '/api/v1/members/:memberClass/:memberCode',
    {
      schema: {
        tags: tags('members'),
        summary: 'Rename an agency',
        params: S.MemberPath,
        body: Type.Object(
          {
            nameVi: Type.Optional(Type.String({ minLength: 1 })),
            nameEn: Type.Optional(S.Nullable(Type.String())),
          },
          { additionalProperties: false },
        ),
        response: { 200: S.Member, ...S.authErrors },
      },
    },
    async (req) => {
      const m = await updateMember(ctx, actorOf(req), req.params, req.body);
      onChange();
      return m;
    },
  );

  app.get(
    '/api/v1/members/:memberClass/:memberCode/subsystems',
    {
      schema: {
        tags: tags('subsystems'),
        summary: "An agency's information systems",
        params: S.MemberPath,
        response: { 200: Type.Array(S.Subsystem), ...S.authErrors },
      },
    },
    async (req) => {
      await getMember(ctx.db, ctx.instance, req.params);
      return listSubsystems(ctx, req.params);
    },
  );

  app.get(
    '/api/v1/members/:memberClass/:memberCode/subsystems/:subsystemCode',
    {
      schema: {
        tags: tags('subsystems'),
        summary: 'One information system',
        params: S.SubsystemRef,
        response: { 200: S.Subsystem, ...S.authErrors },
      },
    },
    async (req) => getSubsystem(ctx.db, ctx.instance, req.params),
  );

  app.get(
    '/api/v1/gateways',
    {
      schema: {
        tags: tags('gateways'),
        summary: 'Gateways, their addresses and clients',
        querystring: Type.Object({
          memberClass: Type.Optional(Type.String()),
          memberCode: Type.Optional(Type.String()),
        }),
        response: { 200: Type.Array(S.Gateway), ...S.authErrors },
      },
    },
    async (req) =>
      listGateways(
        ctx,
        req.query.memberClass && req.query.memberCode
          ? { memberClass: req.query.memberClass, memberCode: req.query.memberCode }
          : undefined,
      ),
  );

  app.get(
    '/api/v1/services',
    {
      schema: {
        tags: tags('services'),
        summary: 'Services, optionally of one provider',
        querystring: Type.Object({
          memberClass: Type.Optional(Type.String()),
          memberCode: Type.Optional(Type.String()),
          subsystemCode: Type.Optional(Type.String()),
          q: Type.Optional(Type.String()),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 500 })),
          offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
        }),
        response: { 200: Type.Array(S.Service), ...S.authErrors },
      },
    },
    async (req) => {
      const { memberClass, memberCode, subsystemCode, q, limit, offset } = req.query;
      return listServices(ctx, {
        provider: memberClass && memberCode ? { memberClass, memberCode, subsystemCode } : undefined,
        q,
        limit,
        offset,
      });
    },
  );

  const serviceParams = Type.Object({
    memberClass: S.MemberClass,
    memberCode: S.MemberCode,
    subsystemCode: S.SubsystemCode,
    serviceCode: Type.String(),
  });
  const versionQuery = Type.Object({ version: Type.Optional(Type.String()) });

  app.get(
    '/api/v1/services/:memberClass/:memberCode/:subsystemCode/:serviceCode',
    {
      schema: {
        tags: tags('services'),
        summary: 'One service',
        params: serviceParams,
        querystring: versionQuery,
        response: { 200: S.Service, ...S.authErrors },
      },
    },
    async (req) => getService(ctx.db, ctx.instance, { ...req.params, version: req.query.version ?? null }),
  );

  app.get(
    '/api/v1/services/:memberClass/:memberCode/:subsystemCode/:serviceCode/openapi',
    {
      schema: {
        tags: tags('services'),
        summary: "The service's OpenAPI description",
        params: serviceParams,
        querystring: versionQuery,
        response: { 200: Type.Object({}, { additionalProperties: true }), ...S.authErrors },
      },
    },
    async (req) => getServiceOpenapi(ctx.db, { ...req.params, version: req.query.version ?? null }),
  );

  app.get(
    '/api/v1/groups',
    {
      schema: {
        tags: tags('groups'),
        summary: 'Global groups',
        response: { 200: Type.Array(S.Group), ...S.authErrors },
      },
    },
    async () => listGroups(ctx),
  );

  app.post(
    '/api/v1/groups',
    {
      schema: {
        tags: tags('groups'),
        summary: 'Create a global group (operator)',
        body: Type.Object(
          {
            code: Type.String(),
            descriptionVi: Type.String({ minLength: 1 }),
            descriptionEn: Type.Optional(S.Nullable(Type.String())),
          },
          { additionalProperties: false },
        ),
        response: { 201: S.Group, ...S.authErrors, 409: S.ErrorResponse },
      },
    },
    async (req, reply) => {
      const g = await createGroup(ctx, actorOf(req), req.body);
      onChange();
      return reply.status(201).send(g);
    },
  );

  for (const [method, present] of [
    ['put', true],
    ['delete', false],
  ] as const) {
    app[method](
      '/api/v1/groups/:code/members/:memberClass/:memberCode/:subsystemCode',
      {
        schema: {
          tags: tags('groups'),
          summary: present
            ? 'Add an information system to a group'
            : 'Remove an information system from a group',
          params: Type.Object({ code: Type.String(), ...S.SubsystemRef.properties }),
          response: { 200: S.Group, ...S.authErrors },
        },
      },
      async (req) => {
        const { code, ...subsystem } = req.params;
        const g = await setGroupMembership(ctx, actorOf(req), code, subsystem, present);
        onChange();
        return g;
      },
    );
  }

  app.get(
    '/api/v1/access-rights',
    {
      schema: {
        tags: tags('access rights'),
        summary: 'Access rights, optionally of one service',
        querystring: Type.Object({
          memberClass: Type.Optional(Type.String()),
          memberCode: Type.Optional(Type.String()),
          subsystemCode: Type.Optional(Type.String()),
          serviceCode: Type.Optional(Type.String()),
          version: Type.Optional(Type.String()),
        }),
        response: { 200: Type.Array(S.AccessRight), ...S.authErrors },
      },
    },
    async (req) => {
      const { memberClass, memberCode, subsystemCode, serviceCode, version } = req.query;
      const service =
        memberClass && memberCode && subsystemCode && serviceCode
          ? { memberClass, memberCode, subsystemCode, serviceCode, version: version ?? null }
          : undefined;
      return listAccessRights(ctx, { service });
    },
  );

  app.post(
    '/api/v1/access-rights',
    {
      schema: {
        tags: tags('access rights'),
        summary: 'Grant a subsystem or group the right to call a service or one endpoint',
        body: S.AccessRightInput,
        response: { 201: S.AccessRight, ...S.authErrors, 409: S.ErrorResponse },
      },
    },
    async (req, reply) => {
      const right = await grantAccessRight(ctx, actorOf(req), req.body as never);
      onChange();
      return reply.status(201).send(right);
    },
  );

  app.delete(
    '/api/v1/access-rights/:id',
    {
      schema: {
        tags: tags('access rights'),
        summary: 'Revoke an access right',
        params: Type.Object({ id: Type.Integer() }),
        response: { 204: Type.Null(), ...S.authErrors },
      },
    },
    async (req, reply) => {
      await revokeAccessRight(ctx, actorOf(req), req.params.id);
      onChange();
      return reply.status(204).send(null);
    },
  );
};
