import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Command } from 'commander';
import { AppError } from '../../kernel/errors.ts';
import {
  type ClientFlags,
  type DocexApi,
  type DocumentView,
  docexApi,
  existingFile,
  type InboxItem,
  printAttachments,
  upload,
} from '../docex-client.ts';
import { printJson, printTable } from '../output.ts';

/**
 * `lienthong docex …`: run an agency's docex node (`serve`), and a small client of its API for
 * operators and for trying the axis by hand (`send`, `inbox`, `show`, `status`, `ack`).
 */
export function registerDocex(program: Command): void {
  const docex = program
    .command('docex')
    .description("The document axis (edXML): run an agency's docex node, send and receive documents");

  docex
    .command('serve')
    .description("Run an agency's docex node from its configuration file; prints its API and transport URLs")
    .requiredOption('-c, --config <file>', 'docex configuration (JSON); see docs/docex.md')
    .action((o: { config: string }) => serve(o.config));

  withClient(
    docex
      .command('send')
      .description('Send a document: uploads each --file, then posts it (or posts an edXML package: --edxml)')
      .option('--to <code>', 'recipient agency code (repeatable)', collect, [])
      .option(
        '--kind <kind>',
        'also every docex agency of this kind, e.g. province (repeatable)',
        collect,
        [],
      )
      .option('--subject <text>', 'trích yếu (subject)')
      .option('--number <n>', 'số văn bản (document number)', '')
      .option('--notation <text>', 'ký hiệu (notation), e.g. UBND-VP')
      .option('--type <n>', 'document type: 18 Công văn, 7 Thông báo, 25 Giấy mời…', '18')
      .option('--type-name <text>', 'document type name (default: the standard name of --type)')
      .option('--date <yyyy/MM/dd>', 'promulgation date (default: today, Viet Nam time)')
      .option('--place <text>', 'place of promulgation')
      .option('--due <yyyy/MM/dd>', 'due date (hạn xử lý)')
      .option('--content <text>', 'summary of the content')
      .option('--file <path>', 'attachment, streamed from disk (repeatable)', collect, [])
      .option('--edxml <package.xml>', 'post this edXML package (envelope and Base64 attachments) instead')
      .option('--idempotency-key <key>', 'the key printed by an attempt that failed: retries it safely'),
  ).action(async (o: SendFlags) => {
    if (o.edxml && (o.to.length || o.kind.length || o.file.length || o.subject || o.notation)) {
      throw new AppError(
        'bad_input',
        'cli.conflicting_options',
        'Gói edXML đã chứa nơi nhận, trích yếu và tệp đính kèm: dùng --edxml một mình, hoặc bỏ --edxml. ' +
          '(--edxml carries recipients, subject and attachments itself: do not combine it with --to, --file…)',
      );
    }
    const api = docexApi(o);
    const key = o.idempotencyKey ?? `cli-${randomUUID()}`;
    if (!o.idempotencyKey) {
      process.stderr.write(
        `Idempotency-Key: ${key}\n  (lỗi mạng? gửi lại với / on a network error retry with --idempotency-key ${key})\n`,
      );
    }
    const res = o.edxml
      ? await api.call('POST', '/api/v1/documents', {
          stream: createReadStream(existingFile(o.edxml).file),
          headers: { 'content-type': 'application/xml; charset=utf-8', 'idempotency-key': key },
        })
      : await api.call('POST', '/api/v1/documents', {
          json: await buildSend(api, o),
          headers: { 'idempotency-key': key },
        });
    const doc = res.body as DocumentView;
    if (o.json) return printJson(doc);
    const how =
      res.status === 202 ? 'Đã nhận / accepted' : 'Đã nhận trước đó / already accepted with this key';
    process.stdout.write(
      `${how}: ${doc.id}\n  edXML DocumentId: ${doc.edxmlDocumentId}\n  Trích yếu: ${doc.subject}\n\n`,
    );
    printTable(doc.deliveries as never, ['recipient', 'state', 'status']);
    process.stderr.write(`→ lienthong docex show ${doc.id}\n`);
  });

  withClient(
    docex
      .command('inbox')
      .description('List documents received since a cursor, oldest first')
      .option('--after <seq>', 'cursor: documents after this seq', '0')
      .option('--limit <n>', 'at most this many (1–1000)', '100')
      .option('--unacknowledged', 'only documents not yet acknowledged'),
  ).action(async (o: ClientFlags & { after: string; limit: string; unacknowledged?: boolean }) => {
    const q = new URLSearchParams({ after: o.after, limit: o.limit });
    if (o.unacknowledged) q.set('unacknowledged', 'true');
    const page = (await docexApi(o).call('GET', `/api/v1/inbox?${q}`)).body as {
      items: InboxItem[];
      cursor: number;
    };
    if (o.json) return printJson(page);
    printTable(
      page.items.map((i) => ({ ...i, received: i.receivedAt })),
      ['seq', 'id', 'sender', 'subject', 'received', 'status'],
    );
    process.stderr.write(`→ tiếp theo / next: lienthong docex inbox --after ${page.cursor}\n`);
  });

  withClient(
    docex
      .command('show <id>')
      .description(
        "A sent document with each recipient's delivery state and statuses (--received: an inbox item)",
      )
      .option('--received', 'the id is of a document received (inbox)'),
  ).action(async (id: string, o: ClientFlags & { received?: boolean }) => {
    const api = docexApi(o);
    if (o.received) {
      const item = (await api.call('GET', `/api/v1/inbox/${encodeURIComponent(id)}`)).body as InboxItem;
      if (o.json) return printJson(item);
      process.stdout.write(
        `Văn bản đến / received ${item.id} (seq ${item.seq})\n  Từ / from: ${item.sender}\n` +
          `  edXML DocumentId: ${item.edxmlDocumentId}\n  Trích yếu: ${item.subject}\n` +
          `  Nhận / received: ${item.receivedAt}\n  Xác nhận / acknowledged: ${item.ackedAt ?? '-'}\n` +
          `  Trạng thái / status: ${item.status ?? '-'}\n`,
      );
      return printAttachments(item.attachments);
    }
    const doc = (await api.call('GET', `/api/v1/documents/${encodeURIComponent(id)}`)).body as DocumentView;
    if (o.json) return printJson(doc);
    process.stdout.write(
      `Văn bản đi / sent ${doc.id}\n  edXML DocumentId: ${doc.edxmlDocumentId}\n  Trích yếu: ${doc.subject}\n` +
        `  Gửi / sent: ${doc.createdAt}\n\n`,
    );
    printTable(doc.deliveries as never, [
      'recipient',
      'state',
      'attempts',
      'status',
      'statusAt',
      'lastError',
    ]);
    if (doc.statuses.length) {
      process.stdout.write('\nTrạng thái / statuses\n');
      printTable(doc.statuses as never, ['recipient', 'code', 'description', 'at']);
    }
    printAttachments(doc.attachments);
  });

  withClient(
    docex
      .command('status <inboxId> <code>')
      .description(
        'Report a status on a received document to its sender (03 registered … 06 completed, 02 refused)',
      )
      .option('--description <text>', 'a note for the sender'),
  ).action(async (id: string, code: string, o: ClientFlags & { description?: string }) => {
    const { STATUS_CODES, STATUS_CODE_MEANINGS } = await import('../../docex/edxml/index.ts');
    if (!(STATUS_CODES as readonly string[]).includes(code)) {
      const known = STATUS_CODES.map((c) => `  ${c} ${STATUS_CODE_MEANINGS[c]}`);
      throw new AppError(
        'bad_input',
        'cli.invalid_status_code',
        `Mã trạng thái "${code}" không có trong QCVN 102. Dùng một trong / use one of:\n${known.join('\n')}`,
      );
    }
    const body = { code, ...(o.description ? { description: o.description } : {}) };
    const item = (
      await docexApi(o).call('POST', `/api/v1/inbox/${encodeURIComponent(id)}/status`, { json: body })
    ).body as InboxItem;
    if (o.json) return printJson(item);
    process.stdout.write(
      `${item.id}: trạng thái / status ${item.status}, gửi tới / queued to ${item.sender}\n`,
    );
  });

  withClient(
    docex
      .command('ack <inboxId>')
      .description('Acknowledge a received document (taken into the document system)'),
  ).action(async (id: string, o: ClientFlags) => {
    const item = (await docexApi(o).call('POST', `/api/v1/inbox/${encodeURIComponent(id)}/ack`))
      .body as InboxItem;
    if (o.json) return printJson(item);
    process.stdout.write(`${item.id}: đã xác nhận / acknowledged ${item.ackedAt}\n`);
  });
}

interface SendFlags extends ClientFlags {
  to: string[];
  kind: string[];
  subject?: string;
  number: string;
  notation?: string;
  type: string;
  typeName?: string;
  date?: string;
  place?: string;
  due?: string;
  content?: string;
  file: string[];
  edxml?: string;
  idempotencyKey?: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

const withClient = (c: Command) =>
  c
    .option('--url <url>', 'the docex node API (env LIENTHONG_DOCEX_URL, default http://127.0.0.1:8090)')
    .option('--key <key>', "the document system's API key (env LIENTHONG_DOCEX_KEY)")
    .option('--json', 'print the answer as JSON');

/** `lienthong docex serve`: opens the node's database, migrates it, starts the node. */
async function serve(configFile: string): Promise<void> {
  const { loadDocexConfig, docexComponentName, docexOptionsFromConfig } = await import(
    '../../docex/config.ts'
  );
  const { openDatabase } = await import('../../kernel/db/database.ts');
  const { migrate } = await import('../../kernel/db/migrate.ts');
  const { DOCEX_MIGRATIONS, startDocex } = await import('../../docex/index.ts');
  const { systemClock } = await import('../../kernel/clock.ts');
  const { systemRandom } = await import('../../kernel/random.ts');
  const { createLogger } = await import('../../kernel/log.ts');
  const { config, resolve } = loadDocexConfig(configFile);
  const database = await openDatabase<import('../../docex/index.ts').DocexTables>({
    component: docexComponentName(config.memberCode),
    url: config.databaseUrl,
    dataDir: resolve(config.dataDir),
  });
  let node: Awaited<ReturnType<typeof startDocex>>;
  try {
    await migrate(database.db as never, [DOCEX_MIGRATIONS]);
    const logger = createLogger({ level: config.logLevel as 'info', component: 'docex' });
    node = await startDocex(
      await docexOptionsFromConfig(config, resolve, {
        database,
        clock: systemClock,
        random: systemRandom,
        logger,
      }),
    );
  } catch (err) {
    await database.close();
    throw err;
  }
  const id = `${config.instance}/${config.memberClass}/${config.memberCode}`;
  process.stdout.write(
    `Docex ${id}\n  api       ${node.apiUrl} (document systems; /healthz, /openapi.json)\n` +
      `  transport ${node.transportUrl} (the gateway's backend for ${id}/docex/edxml/v1)\n`,
  );
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    // A delivery hung on a slow peer must not keep the process from exiting.
    setTimeout(() => process.exit(1), 15_000).unref();
    await node.close();
    await database.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

/** The JSON send: checks the flags, uploads the files, fills in what the user left out. */
async function buildSend(api: DocexApi, o: SendFlags) {
  const need = (value: string | undefined, flag: string, what: string) => {
    if (!value) {
      throw new AppError('bad_input', 'cli.missing_option', `Thiếu ${flag} (${what}). (Missing ${flag}.)`);
    }
    return value;
  };
  if (o.to.length === 0 && o.kind.length === 0) {
    throw new AppError(
      'bad_input',
      'cli.missing_option',
      'Chọn nơi nhận: --to <mã cơ quan> (lặp lại được) hoặc --kind <loại>, hoặc gửi gói edXML với --edxml. ' +
        '(Give recipients with --to or --kind.)',
    );
  }
  const type = Number(o.type);
  if (!Number.isInteger(type) || type < 0) {
    throw new AppError('bad_input', 'cli.invalid_option', `--type must be a number, e.g. 18 (Công văn).`);
  }
  for (const [flag, value] of [
    ['--date', o.date],
    ['--due', o.due],
  ] as const) {
    if (value !== undefined && !/^\d{4}\/\d{2}\/\d{2}$/.test(value)) {
      throw new AppError(
        'bad_input',
        'cli.invalid_date',
        `${flag} phải có dạng yyyy/MM/dd, ví dụ 2026/12/31.`,
      );
    }
  }
  const messageHeader = {
    code: { codeNumber: o.number, codeNotation: need(o.notation, '--notation', 'ký hiệu, e.g. UBND-VP') },
    promulgationInfo: {
      ...(o.place ? { place: o.place } : {}),
      promulgationDate: o.date ?? vietnamToday(),
    },
    documentType: {
      type,
      typeName: need(o.typeName ?? TYPE_NAMES[type], '--type-name', `tên loại văn bản ${type}`),
    },
    subject: need(o.subject, '--subject', 'trích yếu'),
    ...(o.content ? { content: o.content } : {}),
    ...(o.due ? { dueDate: o.due } : {}),
  };
  const attachments = [];
  for (const f of o.file) attachments.push(await upload(api, f));
  return {
    messageHeader,
    ...(o.to.length ? { recipients: o.to } : {}),
    ...(o.kind.length ? { recipientKinds: o.kind } : {}),
    ...(attachments.length ? { attachments } : {}),
  };
}

/** Document types named in QCVN 102 (REFERENCE §3); others need --type-name. */
const TYPE_NAMES: Record<number, string> = {
  1: 'Nghị quyết',
  7: 'Thông báo',
  8: 'Hướng dẫn',
  18: 'Công văn',
  19: 'Công điện',
  25: 'Giấy mời',
};

function vietnamToday(): string {
  return new Date(Date.now() + 7 * 3600_000).toISOString().slice(0, 10).replaceAll('-', '/');
}
