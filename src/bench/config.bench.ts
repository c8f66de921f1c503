import { createHash, randomBytes } from 'node:crypto';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { type Insertable, sql } from 'kysely';
import { type Database, openDatabase } from '../kernel/db/database.ts';
import { migrate } from '../kernel/db/migrate.ts';
import { badInput } from '../kernel/errors.ts';
import { type GlobalConfiguration, verifyConfiguration } from '../kernel/globalconf/index.ts';
import { PROVINCES } from '../kernel/ids/index.ts';
import { silentLogger } from '../kernel/log.ts';
import { systemRandom } from '../kernel/random.ts';
import { type CaKeys, ensureCa } from '../registry/ca.service.ts';
import type { RegistryContext } from '../registry/context.ts';
import {
  buildContent,
  configurationAnchor,
  type GlobalConfSettings,
  prepareContent,
  signPrepared,
} from '../registry/globalconf.service.ts';
import { REGISTRY_MIGRATIONS } from '../registry/index.ts';
import type { RegistryDb, RegistryTables } from '../registry/registry.db.ts';
import { formatBytes, formatCount, formatMs } from './report.ts';

/**
 * `lienthong bench config`: how long the registry takes to build and sign the global
 * configuration of a national-size federation, how big the document is, and how long a gateway
 * takes to verify and load it. The registry's tables are filled directly with bulk inserts: the
 * bench measures publication, and going through the service API would take minutes to populate.
 */
export interface ConfigBenchOptions {
  members: number;
  services: number;
  /** postgres://… to measure on a PostgreSQL server (in a schema of its own, dropped at the end). */
  databaseUrl?: string | undefined;
  /** Seed of the generated federation, so two runs measure the same data. */
  seed?: number | undefined;
  /** Phases: each table's name while populating it, then `measure` (warm-up + runs). */
  onProgress?: ((phase: string, done: number, total: number) => void) | undefined;
}

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  totalMemoryMb: number;
  node: string;
  platform: string;
}

export interface ConfigBenchResult {
  machine: MachineInfo;
  /** Counts as found in the verified document, not as requested. */
  members: number;
  services: number;
  accessRights: number;
  gateways: number;
  populateMs: number;
  /** Medians over `runs`: reading the tables and assembling the content. */
  buildMs: number;
  /** Content hash, the configuration object, serialisation and the ES256 signature. */
  signMs: number;
  /** Median of build + sign per run (not the sum of the two medians). */
  buildAndSignMs: number;
  documentBytes: number;
  documentGzipBytes: number;
  /** The gateway side: parse, check the signature, parse the payload, check the rules. */
  verifyAndLoadMs: number;
  /** Highest resident set size sampled during the bench; includes PGlite when embedded. */
  peakRssMb: number;
  database: 'pglite' | 'postgres';
  runs: number;
}

export const CONFIG_BENCH_TARGETS = { buildAndSignMs: 1000, verifyAndLoadMs: 500 } as const;

const RUNS = 3;
const INSTANCE = 'VN';
const CHUNK = 1000;
const BENCH_PASSPHRASE = 'lienthong-bench-config';
const MAX_MEMBERS = 200_000;
const MAX_SERVICES = 2_000_000;

export async function runConfigBench(options: ConfigBenchOptions): Promise<ConfigBenchResult> {
  checkOptions(options);
  const progress = options.onProgress ?? (() => {});
  const rss = startRssSampler();
  const database = await openDatabase<RegistryTables>({
    component: `bench_config_${randomBytes(4).toString('hex')}`,
    url: options.databaseUrl,
    ephemeral: true,
  });
  try {
    const db = database.db;
    await migrate(db as never, [REGISTRY_MIGRATIONS]);
    const now = new Date();
    const ctx: RegistryContext = {
      db,
      clock: { now: () => now },
      random: systemRandom,
      logger: silentLogger,
      instance: INSTANCE,
    };
    const ca = await ensureCa(ctx, { passphrase: BENCH_PASSPHRASE });
    rss.sample();

    const populateStart = performance.now();
    await populate(db, options, now, progress);
    const populateMs = performance.now() - populateStart;
    rss.sample();

    const settings: GlobalConfSettings = {
      refreshSeconds: 60,
      validitySeconds: 600,
      configurationUrl: 'https://registry.lienthong.gov.vn/globalconf',
      certificateStatusUrl: 'https://registry.lienthong.gov.vn/pki/status',
    };
    const anchor = configurationAnchor(INSTANCE, ca, settings, now);
    const samples: Timings[] = [];
    let last: Cycle | undefined;
    // The first cycle warms the JIT, the database caches and the key import; it is not counted.
    for (let run = 0; run <= RUNS; run++) {
      progress('measure', run, RUNS + 1);
      // Lets a caller's progress display and the RSS timer run between the synchronous stretches.
      await new Promise((resolve) => setImmediate(resolve));
      last = await cycle(db, ca, settings, now, run + 1, anchor, rss.sample);
      if (run > 0) samples.push({ buildMs: last.buildMs, signMs: last.signMs, verifyMs: last.verifyMs });
    }
    progress('measure', RUNS + 1, RUNS + 1);
    const conf = last!.conf;
    const gzipBytes = gzipSync(last!.document).length;
    rss.sample();
    return {
      machine: machineInfo(),
      members: conf.members.length,
      services: conf.services.length,
      accessRights: conf.accessRights.length,
      gateways: conf.gateways.length,
      populateMs,
      buildMs: median(samples.map((s) => s.buildMs)),
      signMs: median(samples.map((s) => s.signMs)),
      buildAndSignMs: median(samples.map((s) => s.buildMs + s.signMs)),
      documentBytes: Buffer.byteLength(last!.document, 'utf8'),
      documentGzipBytes: gzipBytes,
      verifyAndLoadMs: median(samples.map((s) => s.verifyMs)),
      peakRssMb: rss.peakMb(),
      database: database.kind,
      runs: RUNS,
    };
  } finally {
    rss.stop();
    await dropAndClose(database);
  }
}

/** The rows a CLI prints with `formatTable`. */
export function configBenchRows(r: ConfigBenchResult): [string, string][] {
  const m = r.machine;
  const verdict = (ms: number, target: number) => `${formatMs(ms)} (target < ${formatMs(target)})`;
  return [
    ['Machine', `${m.cpuModel}, ${m.cores} cores, ${formatCount(m.totalMemoryMb)} MB RAM`],
    ['Runtime', `Node ${m.node} on ${m.platform}`],
    ['Database', r.database],
    ['Members', formatCount(r.members)],
    ['Gateways', formatCount(r.gateways)],
    ['Services', formatCount(r.services)],
    ['Access rights', formatCount(r.accessRights)],
    ['Populate', formatMs(r.populateMs)],
    ['Build', formatMs(r.buildMs)],
    ['Sign', formatMs(r.signMs)],
    ['Build + sign', verdict(r.buildAndSignMs, CONFIG_BENCH_TARGETS.buildAndSignMs)],
    ['Document', `${formatBytes(r.documentBytes)} (gzip ${formatBytes(r.documentGzipBytes)})`],
    ['Verify + load', verdict(r.verifyAndLoadMs, CONFIG_BENCH_TARGETS.verifyAndLoadMs)],
    ['Peak RSS', `${r.peakRssMb.toFixed(0)} MB`],
    ['Runs', `median of ${r.runs}, after one warm-up`],
  ];
}

interface Timings {
  buildMs: number;
  signMs: number;
  verifyMs: number;
}
interface Cycle extends Timings {
  document: string;
  conf: GlobalConfiguration;
}

/** One publication as `publishConfiguration` does it, minus storing it, then one gateway load. */
async function cycle(
  db: RegistryDb,
  ca: CaKeys,
  settings: GlobalConfSettings,
  now: Date,
  serial: number,
  anchor: ReturnType<typeof configurationAnchor>,
  sample: () => void,
): Promise<Cycle> {
  const t0 = performance.now();
  const content = await buildContent(db, INSTANCE, ca, settings.certificateStatusUrl, now);
  const t1 = performance.now();
  sample();
  const document = signPrepared(
    prepareContent(content),
    {
      serial,
      generatedAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + settings.validitySeconds * 1000).toISOString(),
      refreshSeconds: settings.refreshSeconds,
    },
    ca,
  );
  const t2 = performance.now();
  sample();
  const loaded = await verifyConfiguration(document, anchor, { now });
  const t3 = performance.now();
  sample();
  return { buildMs: t1 - t0, signMs: t2 - t1, verifyMs: t3 - t2, document, conf: loaded };
}

// ---- The generated federation ------------------------------------------------------------------

type Rows<T extends keyof RegistryTables> = Insertable<RegistryTables[T]>[];
type Kind = 'ministry' | 'government_body' | 'province' | 'department' | 'district' | 'commune' | 'unit';
interface Agency {
  id: number;
  code: string;
  /** The level-1 agency whose gateway serves this one. */
  root: number;
  kind: Kind;
  name: string;
  place: string;
}

// Alphabetical, as the real level-1 codes are: G01 Công an, G09 Nội vụ, G12 Tài chính, G18 Y tế,
// G22 Văn phòng Chính phủ all land on their published numbers.
// biome-ignore format: one name per entry reads as a list
const CENTRAL = ['Bộ Công an', 'Bộ Công Thương', 'Bộ Giáo dục và Đào tạo', 'Bộ Giao thông vận tải', 'Bộ Kế hoạch và Đầu tư', 'Bộ Khoa học và Công nghệ', 'Bộ Lao động - Thương binh và Xã hội', 'Bộ Ngoại giao', 'Bộ Nội vụ', 'Bộ Nông nghiệp và Phát triển nông thôn', 'Bộ Quốc phòng', 'Bộ Tài chính', 'Bộ Tài nguyên và Môi trường', 'Bộ Thông tin và Truyền thông', 'Bộ Tư pháp', 'Bộ Văn hóa, Thể thao và Du lịch', 'Bộ Xây dựng', 'Bộ Y tế', 'Ngân hàng Nhà nước Việt Nam', 'Thanh tra Chính phủ', 'Ủy ban Dân tộc', 'Văn phòng Chính phủ', 'Bảo hiểm xã hội Việt Nam', 'Thông tấn xã Việt Nam', 'Đài Tiếng nói Việt Nam', 'Đài Truyền hình Việt Nam'];
// biome-ignore format: one name per entry reads as a list
const MINISTRY_UNITS = ['Văn phòng', 'Vụ Pháp chế', 'Vụ Tổ chức cán bộ', 'Vụ Kế hoạch - Tài chính', 'Thanh tra', 'Cục Công nghệ thông tin', 'Vụ Hợp tác quốc tế', 'Cục Kiểm soát thủ tục hành chính', 'Trung tâm Thông tin'];
// biome-ignore format: one name per entry reads as a list
const PROVINCE_DEPARTMENTS = ['Văn phòng Ủy ban nhân dân', 'Sở Tư pháp', 'Sở Y tế', 'Sở Tài chính', 'Sở Nội vụ', 'Sở Giáo dục và Đào tạo', 'Sở Thông tin và Truyền thông', 'Sở Tài nguyên và Môi trường', 'Sở Xây dựng', 'Sở Công Thương', 'Sở Kế hoạch và Đầu tư', 'Sở Giao thông vận tải', 'Sở Nông nghiệp và Phát triển nông thôn', 'Sở Lao động - Thương binh và Xã hội', 'Sở Văn hóa, Thể thao và Du lịch', 'Sở Khoa học và Công nghệ'];
// biome-ignore format: one name per entry reads as a list
const UNITS = ['Trung tâm Công nghệ thông tin', 'Chi cục Quản lý chuyên ngành', 'Trung tâm Lưu trữ', 'Phòng Nghiệp vụ'];
// biome-ignore format: one name per entry reads as a list
const SYLLABLES = ['An', 'Bình', 'Đông', 'Tây', 'Phú', 'Tân', 'Hòa', 'Long', 'Thạnh', 'Vĩnh', 'Quang', 'Hưng', 'Mỹ'];
// biome-ignore format: a table is easier to review than one field per line
const SERVICE_KINDS: [code: string, titleVi: string, personalData: boolean][] = [
  ['citizens', 'Tra cứu thông tin công dân', true], ['births', 'Đăng ký khai sinh', true],
  ['residence', 'Đăng ký cư trú', true], ['health-insurance-cards', 'Tra cứu thẻ bảo hiểm y tế', true],
  ['enterprises', 'Tra cứu thông tin doanh nghiệp', false], ['land-parcels', 'Tra cứu thông tin thửa đất', false],
  ['documents', 'Tiếp nhận văn bản điện tử', false], ['dossiers', 'Tra cứu hồ sơ thủ tục hành chính', true],
  ['tax-obligations', 'Tra cứu nghĩa vụ thuế', false], ['vehicles', 'Tra cứu đăng ký phương tiện', false],
  ['licences', 'Tra cứu giấy phép', false], ['statistics', 'Báo cáo số liệu thống kê', false],
];
const LEVEL2_PER_ROOT = 20;
const DISTRICTS_FROM = 10;

const placeName = (i: number) => `${SYLLABLES[i % 13]} ${SYLLABLES[(7 * i + 3) % 13]}`;
const pad = (n: number, width: number) => String(n).padStart(width, '0');

/**
 * Agencies as QCVN 102 lays them out: ministries G01.. and provinces H01.. at level 1
 * (alternating, up to 99 each), then round-robin under them 20 level-2 agencies (departments;
 * half of a province's are districts), then level-3 units and communes under those.
 */
function planMembers(
  count: number,
  now: Date,
  rand: () => number,
): { rows: Rows<'members'>; agencies: Agency[] } {
  // Sorted as the real H codes are (H24 Hà Nội, H49 Quảng Ninh), named as after "Ủy ban nhân dân".
  const key = (name: string) => name.replace(/^Thành phố /, '');
  const provinces = [...PROVINCES]
    .sort((a, b) => key(a.name).localeCompare(key(b.name), 'vi'))
    .map((p) =>
      p.name.startsWith('Thành phố') ? p.name : `${p.kind === 'city' ? 'thành phố' : 'tỉnh'} ${p.name}`,
    );
  const roots = Math.min(count, 198, Math.max(2, Math.ceil(count / 50)));
  const agencies: Agency[] = [];
  const rows: Rows<'members'> = [];
  for (let i = 0; i < count; i++) {
    let a: Agency;
    let parent: Agency | null = null;
    if (i < roots) {
      const n = Math.floor(i / 2) + 1;
      const central = i % 2 === 0;
      const place = provinces[n - 1] ?? `tỉnh số ${n}`;
      const name = central ? (CENTRAL[n - 1] ?? `Cơ quan Trung ương số ${n}`) : `Ủy ban nhân dân ${place}`;
      const kind = central ? (n <= 21 ? 'ministry' : 'government_body') : 'province';
      const code = `000.00.00.${central ? 'G' : 'H'}${pad(n, 2)}`;
      a = { id: i + 1, code, root: i + 1, kind, name, place: central ? name : place };
    } else {
      const root = agencies[(i - roots) % roots]!;
      const k = Math.floor((i - roots) / roots);
      if (k < LEVEL2_PER_ROOT) {
        parent = root;
        const district = root.kind === 'province' && k >= DISTRICTS_FROM;
        const name = district
          ? `Ủy ban nhân dân huyện ${placeName(i)}, ${root.place}`
          : root.kind === 'province'
            ? `${PROVINCE_DEPARTMENTS[k]} ${root.place}`
            : `${MINISTRY_UNITS[k] ?? `Cục Nghiệp vụ ${k + 1}`} ${root.name}`;
        const code = `000.00.${pad(k + 1, 2)}.${root.code.slice(-3)}`;
        const kind = district ? 'district' : 'department';
        a = { id: i + 1, code, root: root.id, kind, name, place: root.place };
      } else {
        const j = k - LEVEL2_PER_ROOT;
        parent = agencies[roots + (j % LEVEL2_PER_ROOT) * roots + (root.id - 1)]!;
        const commune = parent.kind === 'district';
        const name = commune
          ? `Ủy ban nhân dân xã ${placeName(i)}, ${parent.place}`
          : `${UNITS[Math.floor(rand() * UNITS.length)]} - ${parent.name}`;
        const code = `000.${pad(Math.floor(j / LEVEL2_PER_ROOT) + 1, 2)}${parent.code.slice(6)}`;
        a = { id: i + 1, code, root: root.id, kind: commune ? 'commune' : 'unit', name, place: parent.place };
      }
    }
    agencies.push(a);
    rows.push({
      id: a.id,
      member_class: 'GOV',
      member_code: a.code,
      name_vi: a.name,
      name_en: null,
      kind: a.kind,
      parent_id: parent?.id ?? null,
      created_at: now,
      updated_at: now,
    });
  }
  return { rows, agencies };
}

// biome-ignore format: a table is easier to review than one field per line
const SUBSYSTEM_BY_KIND: Record<Kind, [code: string, nameVi: string][]> = {
  ministry: [['documents', 'Hệ thống quản lý văn bản và điều hành']],
  government_body: [['documents', 'Hệ thống quản lý văn bản và điều hành']],
  province: [['dossier', 'Hệ thống thông tin giải quyết thủ tục hành chính']],
  department: [['documents', 'Hệ thống quản lý văn bản và điều hành'], ['database', 'Cơ sở dữ liệu chuyên ngành'], ['reporting', 'Hệ thống thông tin báo cáo']],
  district: [['one-stop', 'Hệ thống một cửa điện tử']],
  commune: [['one-stop', 'Hệ thống một cửa điện tử']],
  unit: [['database', 'Cơ sở dữ liệu chuyên ngành']],
};
// biome-ignore format: a table is easier to review than one field per line
const GROUPS: [code: string, descriptionVi: string, kinds: Kind[] | 'one-stop'][] = [
  ['ministries', 'Các bộ, cơ quan ngang bộ', ['ministry']],
  ['provincial-committees', 'Ủy ban nhân dân các tỉnh, thành phố', ['province']],
  ['one-stop-shops', 'Hệ thống một cửa điện tử', 'one-stop'],
];

type Plan = { [T in keyof RegistryTables]?: Rows<T> };

/**
 * Every row of the federation, parents before children, ids chosen here (the database is new).
 * One subsystem per agency; one gateway per level-1 agency, serving every agency below it; each
 * service on a random subsystem with 1–3 endpoints and one access right, a tenth to a group.
 */
function planFederation(members: number, services: number, seed: number, now: Date): Plan {
  const rand = mulberry32(seed);
  const below = (n: number) => Math.floor(rand() * n);
  const { rows: memberRows, agencies } = planMembers(members, now, rand);
  const subsystems: Rows<'subsystems'> = agencies.map((a) => {
    const options = SUBSYSTEM_BY_KIND[a.kind];
    const [code, name] = options[below(options.length)]!;
    return { id: a.id, member_id: a.id, code, name_vi: `${name} ${a.name}`, name_en: null, created_at: now };
  });
  const at = { created_at: now, updated_at: now };
  const roots = agencies.filter((a) => a.root === a.id);
  const gatewayOf = new Map(roots.map((a, i) => [a.id, i + 1]));
  const gateways: Rows<'gateways'> = roots.map((a, i) => {
    const address = `https://gw1.${a.code.slice(-3).toLowerCase()}.lienthong.gov.vn:8443`;
    return { id: i + 1, member_id: a.id, code: 'gw1', addresses: JSON.stringify([address]), ...at };
  });
  // Only the columns the configuration reads are meaningful: no real certificate is needed.
  const certificates: Rows<'certificates'> = roots.map((a, i) => {
    const serial = sha256(`bench-${seed}-${a.code}`).slice(0, 32);
    const validity = { not_before: now, not_after: new Date(now.getTime() + 365 * 86_400_000) };
    const pem = '(bench: not a certificate)';
    const subject = `CN=${a.code}/gw1`;
    const issued = { issued_at: now, issued_by: 'bench' };
    return {
      serial,
      usage: 'auth',
      member_id: a.id,
      gateway_id: i + 1,
      subject,
      certificate_pem: pem,
      fingerprint: sha256(serial),
      ...validity,
      ...issued,
    };
  });
  const clients: Rows<'gateway_clients'> = agencies.map((a) => ({
    gateway_id: gatewayOf.get(a.root)!,
    subsystem_id: a.id,
  }));
  const groups: Rows<'global_groups'> = GROUPS.map(([code, description], i) => ({
    id: i + 1,
    code,
    description_vi: description,
    description_en: null,
    created_at: now,
  }));
  const groupMembers: Rows<'group_members'> = agencies.flatMap((a, i) => {
    const g = GROUPS.findIndex(([, , k]) =>
      k === 'one-stop' ? subsystems[i]!.code === k : k.includes(a.kind),
    );
    return g >= 0 ? [{ group_id: g + 1, subsystem_id: a.id }] : [];
  });
  const serviceRows: Rows<'services'> = [];
  const endpoints: Rows<'service_endpoints'> = [];
  const rights: Rows<'access_rights'> = [];
  const perSubsystem = new Uint32Array(members + 1);
  for (let id = 1; id <= services; id++) {
    const provider = 1 + below(members);
    const k = perSubsystem[provider]!++;
    const [base, titleVi, personalData] = SERVICE_KINDS[(provider + k) % SERVICE_KINDS.length]!;
    const round = Math.floor(k / SERVICE_KINDS.length);
    const code = round ? `${base}-${round + 1}` : base;
    const r = rand();
    const version = r < 0.6 ? 'v1' : r < 0.8 ? 'v2' : '';
    serviceRows.push({
      id,
      subsystem_id: provider,
      code,
      version,
      title_vi: titleVi,
      title_en: null,
      personal_data: personalData,
      openapi: 'null',
      ...at,
    });
    const mine = [
      ['GET', `/${base}/{id}`],
      ['POST', `/${base}`],
      ['GET', `/${base}/{id}/history`],
    ].slice(0, 1 + below(3));
    for (const [method, path] of mine) {
      endpoints.push({ id: endpoints.length + 1, service_id: id, method: method!, path: path! });
    }
    const endpoint = rand() < 0.3 ? mine[below(mine.length)]! : null;
    const toGroup = members === 1 || rand() < 0.1;
    // Any subsystem but the provider's own.
    const subject = toGroup ? null : 1 + ((provider + below(members - 1)) % members);
    rights.push({
      id,
      service_id: id,
      endpoint_method: endpoint?.[0] ?? null,
      endpoint_path: endpoint?.[1] ?? null,
      subject_subsystem_id: subject,
      subject_group_id: toGroup ? 1 + below(GROUPS.length) : null,
      granted_at: now,
      granted_by: 'bench',
    });
  }
  return {
    members: memberRows,
    subsystems,
    gateways,
    certificates,
    gateway_clients: clients,
    global_groups: groups,
    group_members: groupMembers,
    services: serviceRows,
    service_endpoints: endpoints,
    access_rights: rights,
  };
}

async function populate(
  db: RegistryDb,
  options: ConfigBenchOptions,
  now: Date,
  progress: (phase: string, done: number, total: number) => void,
): Promise<void> {
  const plan = planFederation(options.members, options.services, options.seed ?? 1, now);
  await db.transaction().execute(async (tx) => {
    // Object key order is the insertion order planFederation gave: parents before children.
    for (const [table, rows] of Object.entries(plan) as [keyof RegistryTables, object[]][]) {
      for (let i = 0; i < rows.length; i += CHUNK) {
        await tx
          .insertInto(table)
          .values(rows.slice(i, i + CHUNK) as never)
          .execute();
        progress(table, Math.min(i + CHUNK, rows.length), rows.length);
      }
    }
  });
  // Statistics as autovacuum would gather them after such a load, so plans are a settled registry's.
  await sql`analyze`.execute(db);
}

// ---- Small helpers -----------------------------------------------------------------------------

function checkOptions(o: ConfigBenchOptions): void {
  if (!Number.isInteger(o.members) || o.members < 1 || o.members > MAX_MEMBERS) {
    throw badInput(
      'bench.invalid_members',
      `members must be a whole number from 1 to ${MAX_MEMBERS}, got ${o.members}.`,
    );
  }
  if (!Number.isInteger(o.services) || o.services < 0 || o.services > MAX_SERVICES) {
    throw badInput(
      'bench.invalid_services',
      `services must be a whole number from 0 to ${MAX_SERVICES}, got ${o.services}.`,
    );
  }
  if (o.seed !== undefined && !Number.isInteger(o.seed)) {
    throw badInput('bench.invalid_seed', `seed must be a whole number, got ${o.seed}.`);
  }
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Timer samples catch the asynchronous parts; explicit samples the synchronous JSON work. */
function startRssSampler() {
  let peak = process.memoryUsage.rss();
  const sample = () => {
    peak = Math.max(peak, process.memoryUsage.rss());
  };
  const timer = setInterval(sample, 5);
  timer.unref();
  return { sample, stop: () => clearInterval(timer), peakMb: () => peak / 2 ** 20 };
}

function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    totalMemoryMb: Math.round(os.totalmem() / 2 ** 20),
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
  };
}

async function dropAndClose(database: Database<RegistryTables>): Promise<void> {
  try {
    if (database.kind === 'postgres') {
      await sql.raw(`drop schema if exists "${database.schema}" cascade`).execute(database.db);
    }
  } finally {
    await database.close();
  }
}
