import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { type ApiFlags, apiClient, memberArg, serviceArg, subsystemArg } from '../api-client.ts';
import { printJson, printTable } from '../output.ts';
import { type CommonFlags, loadPlatformConfig } from '../platform-config.ts';

type Flags = ApiFlags & { json?: boolean };
type Row = Record<string, unknown>;

/** Runs an API call and prints the answer as a table (or JSON with --json). */
function show(cmd: Command, rows: Row | Row[], columns: string[]): void {
  const flags = cmd.optsWithGlobals() as Flags;
  if (flags.json) printJson(rows);
  else printTable(Array.isArray(rows) ? rows : [rows], columns);
}

function api(cmd: Command) {
  return apiClient(cmd.optsWithGlobals() as Flags);
}

const q = (params: Record<string, string | number | undefined>) => {
  const s = new URLSearchParams(
    Object.entries(params).filter(([, v]) => v !== undefined) as [string, string][],
  ).toString();
  return s ? `?${s}` : '';
};

export function registerRegistry(program: Command, common: (c: Command) => Command): void {
  const registry = program
    .command('registry')
    .description('The central registry: agencies, information systems, services, access rights, requests')
    .option(
      '--registry-url <url>',
      'registry base URL (env LIENTHONG_REGISTRY_URL, default http://127.0.0.1:8081)',
    )
    .option(
      '--api-key <key>',
      'API key (env LIENTHONG_API_KEY; the demo key in .data/operator-key.txt otherwise)',
    )
    .option('--json', 'print JSON instead of a table');

  common(
    registry
      .command('serve')
      .description('Run the registry alone (no console, no sample data in production mode)'),
  )
    .option('--port <port>', 'registry port (default 8081)', Number)
    .action(async (flags: CommonFlags & { port?: number }) => {
      const config = loadPlatformConfig(flags, { 'registry.port': flags.port });
      const { createLogger } = await import('../../kernel/log.ts');
      const { runRegistry } = await import('../federation.ts');
      const logger = createLogger({ level: config.logLevel as 'info', component: 'registry' });
      const r = await runRegistry(config, logger);
      process.stdout.write(`Registry listening on ${r.registry.url} (database ${r.database.location})\n`);
      if (r.operatorKey) process.stdout.write(`Operator API key: ${r.operatorKey}\n`);
      const stop = async () => {
        await r.registry.close();
        await r.database.close();
        process.exit(0);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });

  common(
    registry
      .command('create-operator-key')
      .description(
        "Create a platform operator API key directly in the registry's database (first key of a production registry)",
      ),
  )
    .requiredOption('--name <name>', 'who will use the key')
    .action(async (flags: CommonFlags & { name: string }) => {
      const config = loadPlatformConfig(flags);
      const { openComponentDatabase } = await import('../federation.ts');
      const { migrate } = await import('../../kernel/db/migrate.ts');
      const { REGISTRY_MIGRATIONS } = await import('../../registry/index.ts');
      const { createApiKey } = await import('../../registry/auth.ts');
      const { systemClock } = await import('../../kernel/clock.ts');
      const { systemRandom } = await import('../../kernel/random.ts');
      const { silentLogger } = await import('../../kernel/log.ts');
      const database = await openComponentDatabase<import('../../registry/registry.db.ts').RegistryTables>(
        config,
        'registry',
      );
      try {
        await migrate(database.db as never, [REGISTRY_MIGRATIONS]);
        const ctx = {
          db: database.db,
          clock: systemClock,
          random: systemRandom,
          logger: silentLogger,
          instance: config.registry.instance,
        };
        const actor = {
          kind: 'api_key' as const,
          id: `local:${process.env['USER'] ?? 'admin'}`,
          name: 'local administrator (CLI)',
          role: 'system',
        };
        const key = await createApiKey(ctx, actor, { name: flags.name, role: 'operator' });
        process.stdout.write(`Operator API key for ${key.name} (shown once; keep it secret):\n${key.key}\n`);
      } finally {
        await database.close();
      }
    });

  // Members (agencies)
  const members = registry.command('members').description('Agencies (members)');
  const memberCols = ['id', 'nameVi', 'kind', 'parentCode'];
  members
    .command('list')
    .description('List or search agencies')
    .option('-q, --query <text>', 'search in codes and names')
    .option('--parent <code>', 'only the agencies directly below this one')
    .option('--kind <kind>', 'ministry, province, department, district, commune, …')
    .option('--limit <n>', 'at most this many', Number)
    .action(async (o, cmd: Command) => {
      const res = await api(cmd).call<{ items: Row[]; total: number }>(
        'GET',
        `/api/v1/members${q({ q: o.query, parentCode: o.parent, kind: o.kind, limit: o.limit })}`,
      );
      show(cmd, res.items, memberCols);
      if (!(cmd.optsWithGlobals() as Flags).json)
        process.stdout.write(`${res.items.length} of ${res.total}\n`);
    });
  members
    .command('show <member>')
    .description('One agency, e.g. GOV/000.00.00.G01, with its information systems')
    .action(async (member: string, _o, cmd: Command) => {
      const m = memberArg(member);
      const one = await api(cmd).call<Row>(
        'GET',
        `/api/v1/members/${m.memberClass}/${encodeURIComponent(m.memberCode)}`,
      );
      const subs = await api(cmd).call<Row[]>(
        'GET',
        `/api/v1/members/${m.memberClass}/${encodeURIComponent(m.memberCode)}/subsystems`,
      );
      if ((cmd.optsWithGlobals() as Flags).json) return printJson({ ...one, subsystems: subs });
      printTable([one], [...memberCols, 'nameEn']);
      process.stdout.write('\n');
      printTable(subs, ['id', 'nameVi']);
    });
  members
    .command('add')
    .description('Register an agency directly (operator)')
    .requiredOption('--code <code>', 'agency electronic code, e.g. 000.00.12.H49')
    .requiredOption('--name-vi <name>', 'official Vietnamese name')
    .requiredOption(
      '--kind <kind>',
      'ministry, government_body, province, department, district, commune, unit',
    )
    .option('--class <class>', 'member class', 'GOV')
    .option('--name-en <name>', 'English name')
    .option('--parent <code>', 'parent agency code')
    .action(async (o, cmd: Command) => {
      const m = await api(cmd).call<Row>('POST', '/api/v1/members', {
        memberClass: o.class,
        memberCode: o.code,
        nameVi: o.nameVi,
        nameEn: o.nameEn,
        kind: o.kind,
        parentCode: o.parent,
      });
      show(cmd, m, memberCols);
    });

  // Requests
  const requests = registry
    .command('requests')
    .description('Management requests: file, list, approve, reject');
  const reqCols = ['id', 'type', 'status', 'entityKey', 'submittedAt', 'decisionNote'];
  requests
    .command('list')
    .description('Requests, newest first')
    .option('--status <status>', 'pending, approved or rejected')
    .action(async (o, cmd: Command) =>
      show(cmd, await api(cmd).call<Row[]>('GET', `/api/v1/requests${q({ status: o.status })}`), reqCols),
    );
  requests
    .command('show <id>')
    .description('One request with its payload')
    .action(async (id: string, _o, cmd: Command) =>
      printJson(await api(cmd).call('GET', `/api/v1/requests/${Number(id)}`)),
    );
  requests
    .command('file <json-file>')
    .description(
      'File a request from a JSON file ({"type": "subsystem.register", "subsystem": {...}}; "-" reads stdin)',
    )
    .action(async (file: string, _o, cmd: Command) => {
      const body = JSON.parse(readFileSync(file === '-' ? 0 : file, 'utf8'));
      show(cmd, await api(cmd).call<Row>('POST', '/api/v1/requests', body), reqCols);
    });
  requests
    .command('approve <id>')
    .description('Approve a pending request (operator)')
    .option('--note <text>', 'a note for the agency')
    .action(async (id: string, o, cmd: Command) =>
      show(
        cmd,
        await api(cmd).call<Row>('POST', `/api/v1/requests/${Number(id)}/approve`, { note: o.note }),
        reqCols,
      ),
    );
  requests
    .command('reject <id>')
    .description('Reject a pending request (operator)')
    .requiredOption('--reason <text>', 'why: the agency will read it')
    .action(async (id: string, o, cmd: Command) =>
      show(
        cmd,
        await api(cmd).call<Row>('POST', `/api/v1/requests/${Number(id)}/reject`, { reason: o.reason }),
        reqCols,
      ),
    );

  // Subsystems, gateways, services
  registry
    .command('subsystems <member>')
    .description("An agency's information systems, e.g. GOV/000.00.00.G01")
    .action(async (member: string, _o, cmd: Command) => {
      const m = memberArg(member);
      show(
        cmd,
        await api(cmd).call<Row[]>(
          'GET',
          `/api/v1/members/${m.memberClass}/${encodeURIComponent(m.memberCode)}/subsystems`,
        ),
        ['id', 'nameVi'],
      );
    });
  registry
    .command('gateways')
    .description('Gateways with their addresses and the information systems they serve')
    .option('--member <member>', 'only this agency')
    .action(async (o, cmd: Command) => {
      const m = o.member ? memberArg(o.member) : undefined;
      show(
        cmd,
        await api(cmd).call<Row[]>(
          'GET',
          `/api/v1/gateways${q({ memberClass: m?.memberClass, memberCode: m?.memberCode })}`,
        ),
        ['id', 'addresses', 'clients'],
      );
    });
  const services = registry.command('services').description('Services');
  services
    .command('list')
    .description('Services, optionally of one provider')
    .option('--provider <member>', 'e.g. GOV/000.00.00.G01')
    .option('-q, --query <text>', 'search in codes and titles')
    .action(async (o, cmd: Command) => {
      const m = o.provider ? memberArg(o.provider) : undefined;
      show(
        cmd,
        await api(cmd).call<Row[]>(
          'GET',
          `/api/v1/services${q({ memberClass: m?.memberClass, memberCode: m?.memberCode, q: o.query })}`,
        ),
        ['id', 'titleVi', 'personalData', 'endpoints'],
      );
    });
  services
    .command('openapi <service>')
    .description("Print a service's OpenAPI description, e.g. GOV/000.00.00.G01/population/citizens/v1")
    .action(async (service: string, _o, cmd: Command) => {
      const s = serviceArg(service);
      printJson(
        await api(cmd).call(
          'GET',
          `/api/v1/services/${s.memberClass}/${encodeURIComponent(s.memberCode)}/${s.subsystemCode}/${s.serviceCode}/openapi${q({ version: s.version ?? undefined })}`,
        ),
      );
    });

  // Access rights and groups
  const access = registry.command('access').description('Access rights');
  const rightCols = ['id', 'service', 'endpoint', 'subject', 'grantedAt'];
  access
    .command('list')
    .description('All access rights, or those of one service')
    .option('--service <service>', 'CLASS/CODE/SUBSYSTEM/SERVICE[/VERSION]')
    .action(async (o, cmd: Command) => {
      const s = o.service ? serviceArg(o.service) : undefined;
      show(
        cmd,
        await api(cmd).call<Row[]>(
          'GET',
          `/api/v1/access-rights${s ? q({ ...s, version: s.version ?? undefined }) : ''}`,
        ),
        rightCols,
      );
    });
  access
    .command('grant')
    .description('Let an information system or a group call a service (or one endpoint)')
    .requiredOption('--service <service>', 'CLASS/CODE/SUBSYSTEM/SERVICE[/VERSION]')
    .requiredOption('--subject <subject>', 'CLASS/CODE/SUBSYSTEM, or group:<code>')
    .option('--endpoint <endpoint>', 'one endpoint, e.g. "GET /citizens/{personalId}"')
    .action(async (o, cmd: Command) => {
      const subject = o.subject.startsWith('group:')
        ? { type: 'group', code: o.subject.slice(6) }
        : { type: 'subsystem', ...subsystemArg(o.subject) };
      const [method, path] = o.endpoint ? o.endpoint.trim().split(/\s+/, 2) : [];
      const right = await api(cmd).call<Row>('POST', '/api/v1/access-rights', {
        service: serviceArg(o.service),
        endpoint: o.endpoint ? { method, path } : null,
        subject,
      });
      show(cmd, right, rightCols);
    });
  access
    .command('revoke <id>')
    .description('Revoke an access right')
    .action(async (id: string, _o, cmd: Command) => {
      await api(cmd).call('DELETE', `/api/v1/access-rights/${Number(id)}`);
      process.stdout.write(`Access right ${id} revoked.\n`);
    });
  const groups = registry.command('groups').description('Global groups of information systems');
  groups
    .command('list')
    .description('Groups and their members')
    .action(async (_o, cmd: Command) =>
      show(cmd, await api(cmd).call<Row[]>('GET', '/api/v1/groups'), ['code', 'descriptionVi', 'members']),
    );
  groups
    .command('create <code>')
    .description('Create a group (operator)')
    .requiredOption('--description-vi <text>', 'what the group is, in Vietnamese')
    .option('--description-en <text>', 'in English')
    .action(async (code: string, o, cmd: Command) =>
      show(
        cmd,
        await api(cmd).call<Row>('POST', '/api/v1/groups', {
          code,
          descriptionVi: o.descriptionVi,
          descriptionEn: o.descriptionEn,
        }),
        ['code', 'descriptionVi', 'members'],
      ),
    );
  for (const [name, method] of [
    ['add', 'PUT'],
    ['remove', 'DELETE'],
  ] as const) {
    groups
      .command(`${name} <code> <subsystem>`)
      .description(
        `${name === 'add' ? 'Add an information system to' : 'Remove an information system from'} a group (operator)`,
      )
      .action(async (code: string, subsystem: string, _o, cmd: Command) => {
        const s = subsystemArg(subsystem);
        const g = await api(cmd).call<Row>(
          method,
          `/api/v1/groups/${encodeURIComponent(code)}/members/${s.memberClass}/${encodeURIComponent(s.memberCode)}/${encodeURIComponent(s.subsystemCode)}`,
        );
        show(cmd, g, ['code', 'descriptionVi', 'members']);
      });
  }

  // Keys and audit
  const keys = registry.command('keys').description('API keys (operator)');
  keys
    .command('create')
    .description('Create an API key; it is printed once')
    .requiredOption('--name <name>', 'who uses it')
    .requiredOption('--role <role>', 'operator, agency or auditor')
    .option('--member <member>', 'for agency keys: the agency, e.g. GOV/000.00.00.H49')
    .action(async (o, cmd: Command) => {
      const k = await api(cmd).call<Row>('POST', '/api/v1/api-keys', {
        name: o.name,
        role: o.role,
        member: o.member ? memberArg(o.member) : undefined,
      });
      show(cmd, k, ['id', 'name', 'role', 'memberCode', 'key']);
    });
  keys
    .command('revoke <id>')
    .description('Revoke an API key')
    .action(async (id: string, _o, cmd: Command) => {
      await api(cmd).call('DELETE', `/api/v1/api-keys/${encodeURIComponent(id)}`);
      process.stdout.write(`API key ${id} revoked.\n`);
    });
  registry
    .command('audit')
    .description('The audit log, newest first (operator, auditor)')
    .option('--entity <key>', 'only changes to this entity, e.g. VN/GOV/000.00.00.H49')
    .option('--limit <n>', 'at most this many', Number)
    .action(async (o, cmd: Command) =>
      show(
        cmd,
        await api(cmd).call<Row[]>('GET', `/api/v1/audit${q({ entityKey: o.entity, limit: o.limit })}`),
        ['id', 'at', 'action', 'entityKey', 'actor'],
      ),
    );
}
