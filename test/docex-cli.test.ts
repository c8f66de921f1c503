import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  docexComponentName,
  docexLimits,
  docexOptionsFromConfig,
  loadDocexConfig,
} from '../src/docex/config.ts';
import { sampleDocument } from '../src/docex/demo/samples.ts';
import { buildMessage, writePackage } from '../src/docex/edxml/index.ts';
import { startTestDocex, type TestDocex } from './support/docex.ts';

/** `lienthong docex …` run as a user runs it, against agencies' docex nodes started in-process. */
const BIN = path.resolve('bin/lienthong.js');
const H49 = '000.00.00.H49';
const G01 = '000.00.00.G01';

function run(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [BIN, 'docex', ...args], {
      env: { ...process.env, LIENTHONG_DOCEX_KEY: '', LIENTHONG_DOCEX_URL: '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

interface InboxItem {
  id: string;
  sender: string;
  subject: string;
  status: string | null;
  ackedAt: string | null;
  attachments: { sha256: string; name: string }[];
}

describe('lienthong docex', { timeout: 180_000 }, () => {
  let f: TestDocex;
  let dir: string;
  beforeAll(async () => {
    f = await startTestDocex(undefined, { pollMs: 100 });
    dir = mkdtempSync(path.join(tmpdir(), 'lt-docex-cli-'));
  }, 120_000);
  afterAll(async () => {
    await f?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** --url and --key of an agency's document system. */
  const as = (code: string) => [
    '--url',
    f.agencies.get(code)!.docex.apiUrl,
    '--key',
    f.agencies.get(code)!.apiKey,
  ];
  const json = async <T>(args: string[]): Promise<T> => {
    const r = await run([...args, '--json']);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as T;
  };
  const waitFor = async <T>(what: () => Promise<T | undefined>, label: string): Promise<T> => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const v = await what();
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}`);
      await new Promise((r) => setTimeout(r, 300));
    }
  };

  it('has --help on every docex command', async () => {
    const top = await run(['--help']);
    expect(top.code).toBe(0);
    for (const sub of ['serve', 'send', 'inbox', 'show', 'status', 'ack']) expect(top.stdout).toContain(sub);
    for (const sub of ['serve', 'send', 'inbox', 'show', 'status', 'ack']) {
      const r = await run([sub, '--help']);
      expect(r.code, sub).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: lienthong docex ${sub}`));
    }
    const send = await run(['send', '--help']);
    for (const flag of [
      '--to',
      '--kind',
      '--file',
      '--edxml',
      '--idempotency-key',
      '--due',
      '--key',
      '--url',
    ]) {
      expect(send.stdout).toContain(flag);
    }
  });

  it('sends a document with an attachment; the recipient lists it, registers it (03); the sender sees 01 and 03', async () => {
    // Over 1 MiB, so the upload reports its progress.
    const file = path.join(dir, 'cv-101-UBND-VP.pdf');
    const bytes = Buffer.concat([
      Buffer.from('%PDF-1.7 Công văn số 101/UBND-VP\n'),
      randomBytes(1536 * 1024),
    ]);
    writeFileSync(file, bytes);
    const subject = `V/v phối hợp liên thông thủ tục khai sinh (CLI ${randomBytes(3).toString('hex')})`;
    const args = [
      'send',
      ...as(H49),
      '--to',
      G01,
      '--subject',
      subject,
      '--number',
      '101',
      '--notation',
      'UBND-VP',
      '--date',
      '2026/11/23',
      '--due',
      '2026/12/31',
      '--file',
      file,
    ];
    const sent = await run([...args, '--json']);
    expect(sent.code, sent.stderr).toBe(0);
    const doc = JSON.parse(sent.stdout) as {
      id: string;
      edxmlDocumentId: string;
      dueDate: string;
      deliveries: { recipient: string }[];
      attachments: { sha256: string; name: string; contentType: string; size: number }[];
      message: { messageHeader: { documentType: { type: number; typeName: string } } };
    };
    expect(doc.edxmlDocumentId).toBe(`${H49},2026/11/23,101/UBND-VP`);
    expect(doc.dueDate).toBe('2026/12/31');
    expect(doc.deliveries.map((d) => d.recipient)).toEqual([G01]);
    expect(doc.message.messageHeader.documentType).toEqual({ type: 18, typeName: 'Công văn' });
    expect(doc.attachments).toEqual([
      expect.objectContaining({
        name: 'cv-101-UBND-VP.pdf',
        contentType: 'application/pdf',
        size: bytes.length,
        sha256: createHash('sha256').update(bytes).digest('hex'),
      }),
    ]);
    expect(sent.stderr).toContain('cv-101-UBND-VP.pdf: 100%');
    // The printed key sends the same document again, not a second one.
    const key = /Idempotency-Key: (\S+)/.exec(sent.stderr)![1]!;
    const again = await run([...args, '--idempotency-key', key]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(`already accepted with this key: ${doc.id}`);
    expect(again.stderr).not.toContain('Idempotency-Key:');

    const item = await waitFor(async () => {
      const page = await json<{ items: InboxItem[] }>(['inbox', ...as(G01)]);
      return page.items.find((i) => i.subject === subject);
    }, 'the document in the inbox');
    expect(item.sender).toBe(H49);
    expect(item.status).toBe('01');
    expect(item.attachments.map((a) => a.name)).toEqual(['cv-101-UBND-VP.pdf']);
    const table = await run(['inbox', ...as(G01)]);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^seq\s+id\s+sender\s+subject\s+received\s+status$/);
    expect(table.stdout).toContain(item.id);
    expect(table.stderr).toMatch(/--after \d+/);
    // After the cursor printed, nothing new.
    const cursor = /--after (\d+)/.exec(table.stderr)![1]!;
    const after = await json<{ items: InboxItem[] }>(['inbox', ...as(G01), '--after', cursor]);
    expect(after.items).toEqual([]);

    const acked = await run(['ack', ...as(G01), item.id]);
    expect(acked.code, acked.stderr).toBe(0);
    expect((await json<InboxItem>(['show', '--received', ...as(G01), item.id])).ackedAt).not.toBeNull();
    const status = await run(['status', ...as(G01), item.id, '03', '--description', 'Đã vào sổ văn bản đến']);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain('03');

    await waitFor(async () => {
      const d = await json<{ deliveries: { status: string }[] }>(['show', ...as(H49), doc.id]);
      return d.deliveries[0]!.status === '03' ? d : undefined;
    }, 'status 03 at the sender');
    const shown = await run(['show', ...as(H49), doc.id]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(new RegExp(`${G01}\\s+delivered\\s+\\d+\\s+03`));
    expect(shown.stdout).toMatch(new RegExp(`${G01}\\s+01\\s`));
    expect(shown.stdout).toMatch(new RegExp(`${G01}\\s+03\\s+Đã vào sổ văn bản đến`));
    expect(shown.stdout).toContain('cv-101-UBND-VP.pdf');
  });

  it('posts an edXML package as is (--edxml)', async () => {
    const content = Buffer.from('Giấy mời họp trực tuyến (tệp mẫu)');
    const xml = buildMessage({
      messageHeader: {
        ...sampleDocument(5),
        from: { organId: H49, organName: 'Ủy ban nhân dân tỉnh Quảng Ninh' },
        to: [{ organId: G01, organName: 'Bộ Công an' }],
        documentId: `${H49},2026/11/23,105/UBND-VP`,
      },
      manifest: {
        reference: [
          {
            contentId: 'cid:1',
            contentType: 'text/plain',
            attachmentName: 'giay-moi.txt',
            description: 'Giấy mời',
          },
        ],
      },
    });
    const file = path.join(dir, 'package.xml');
    await pipeline(
      writePackage(xml, [{ contentId: 'cid:1', content: Readable.from([content]) }]).stream,
      createWriteStream(file),
    );
    const doc = await json<{
      edxmlDocumentId: string;
      deliveries: { recipient: string }[];
      attachments: unknown[];
    }>(['send', ...as(H49), '--edxml', file]);
    expect(doc.edxmlDocumentId).toBe(`${H49},2026/11/23,105/UBND-VP`);
    expect(doc.deliveries.map((d) => d.recipient)).toEqual([G01]);
    expect(doc.attachments).toEqual([
      expect.objectContaining({
        name: 'giay-moi.txt',
        sha256: createHash('sha256').update(content).digest('hex'),
      }),
    ]);
  });

  it('says what to do when the key is missing or refused, the node unreachable, or a flag missing', async () => {
    const noKey = await run(['inbox', '--url', f.agencies.get(G01)!.docex.apiUrl]);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain('cli.missing_docex_key');
    expect(noKey.stderr).toContain('LIENTHONG_DOCEX_KEY');
    // The key and URL may come from the environment instead.
    const fromEnv = await run(['inbox', '--json'], {
      LIENTHONG_DOCEX_URL: f.agencies.get(G01)!.docex.apiUrl,
      LIENTHONG_DOCEX_KEY: f.agencies.get(G01)!.apiKey,
    });
    expect(fromEnv.code, fromEnv.stderr).toBe(0);

    const wrongKey = await run(['inbox', '--url', f.agencies.get(G01)!.docex.apiUrl, '--key', 'dx_wrong']);
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toContain('cli.docex_key_rejected');
    expect(wrongKey.stderr).toContain('--key');

    const down = await run(['inbox', '--url', 'http://127.0.0.1:1', '--key', 'dx_any']);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('cli.docex_unreachable');
    expect(down.stderr).toContain('lienthong docex serve');

    const noRecipient = await run(['send', ...as(H49), '--subject', 'Thử', '--notation', 'UBND-VP']);
    expect(noRecipient.code).toBe(2);
    expect(noRecipient.stderr).toContain('--to');
    const badDue = await run([
      'send',
      ...as(H49),
      '--to',
      G01,
      '--subject',
      'Thử',
      '--notation',
      'VP',
      '--due',
      '31/12/2026',
    ]);
    expect(badDue.code).toBe(2);
    expect(badDue.stderr).toContain('cli.invalid_date');
    const noFile = await run([
      'send',
      ...as(H49),
      '--to',
      G01,
      '--subject',
      'Thử',
      '--notation',
      'VP',
      '--file',
      '/nonexistent.pdf',
    ]);
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toContain('cli.file_not_found');

    const mixed = await run(['send', ...as(H49), '--edxml', path.join(dir, 'package.xml'), '--to', G01]);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain('cli.conflicting_options');
    const badCode = await run(['status', ...as(G01), '00000000-0000-4000-8000-000000000000', '99']);
    expect(badCode.code).toBe(2);
    expect(badCode.stderr).toContain('cli.invalid_status_code');
    expect(badCode.stderr).toContain('03 accepted and registered');

    // The node's own refusals keep their codes.
    const unknown = await run([
      'send',
      ...as(H49),
      '--to',
      '000.00.00.Z99',
      '--subject',
      'Thử',
      '--notation',
      'VP',
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('docex.unknown_recipient');
    const missing = await run(['show', ...as(H49), '00000000-0000-4000-8000-000000000000']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('docex.unknown_document');

    const noConfig = await run(['serve', '--config', path.join(dir, 'absent.json')]);
    expect(noConfig.code).toBe(2);
    expect(noConfig.stderr).toContain('config.file_not_found');
    writeFileSync(path.join(dir, 'docex.json'), JSON.stringify({ memberCode: H49, api: { port: 'eighty' } }));
    const badConfig = await run(['serve', '--config', path.join(dir, 'docex.json')]);
    expect(badConfig.code).toBe(2);
    expect(badConfig.stderr).toContain('config.invalid');
    expect(badConfig.stderr).toContain('anchorFile');
  });
});

describe('DocexConfig', () => {
  it('fills defaults, takes DATABASE_URL from the environment, and converts limits', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lt-docex-config-'));
    try {
      const file = path.join(dir, 'docex.json');
      writeFileSync(
        file,
        JSON.stringify({
          memberCode: '000.00.00.H49',
          anchorFile: 'anchor.json',
          signing: { certificateFile: 'sign.crt', keyFile: 'sign.key' },
          keyPassphraseEnv: 'LT_TEST_DOCEX_PASSPHRASE',
          gateway: { consumerUrl: 'http://127.0.0.1:8080' },
          clients: [{ name: 'QLVB', apiKeySha256: 'a'.repeat(64) }],
          limits: { deadAfterSeconds: 60, retryBaseMs: 100 },
        }),
      );
      const { config, resolve } = loadDocexConfig(file, { DATABASE_URL: 'postgres://u@db/lt' });
      expect(config).toMatchObject({
        instance: 'VN',
        memberClass: 'GOV',
        api: { host: '127.0.0.1', port: 8090 },
        transport: { host: '127.0.0.1', port: 8091 },
        dataDir: '.data',
        databaseUrl: 'postgres://u@db/lt',
        logLevel: 'info',
      });
      expect(resolve('sign.key')).toBe(path.join(dir, 'sign.key'));
      expect(docexLimits(config)).toEqual({ deadAfterMs: 60_000, retryBaseMs: 100 });
      expect(docexComponentName('000.00.00.H49')).toBe('docex_000_00_00_H49');
      // The key passphrase comes from the variable the file names; empty is an error that says so.
      await expect(docexOptionsFromConfig(config, resolve, {} as never, {})).rejects.toThrow(
        /LT_TEST_DOCEX_PASSPHRASE is empty/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
