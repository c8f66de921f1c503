import { createServer, type Server } from 'node:http';
import { formatPersonalId, parsePersonalId } from '../../kernel/ids/index.ts';

/**
 * DEMO SERVICE. A stand-in for the population registry's citizen lookup, so `lienthong up`
 * shows a real call through two gateways. A handful of invented citizens; the real population
 * registry arrives with the base-registries module.
 */
const CITIZENS = [
  {
    provinceCode: '022',
    birthYear: 1985,
    gender: 'female' as const,
    random: '000123',
    fullName: 'Nguyễn Thị Hương',
    birthDate: '1985-03-14',
    address: 'Phường Bãi Cháy, Thành phố Hạ Long, Quảng Ninh',
  },
  {
    provinceCode: '001',
    birthYear: 1990,
    gender: 'male' as const,
    random: '004567',
    fullName: 'Trần Văn Minh',
    birthDate: '1990-11-02',
    address: 'Xã Bát Tràng, Huyện Gia Lâm, Hà Nội',
  },
  {
    provinceCode: '079',
    birthYear: 2003,
    gender: 'female' as const,
    random: '012345',
    fullName: 'Lê Ngọc Ánh',
    birthDate: '2003-07-21',
    address: 'Phường Bến Nghé, Quận 1, Thành phố Hồ Chí Minh',
  },
].map((c) => ({ personalId: formatPersonalId(c), ...c }));

export const DEMO_CITIZEN_IDS = CITIZENS.map((c) => c.personalId);

export function startPopulationBackend(
  host = '127.0.0.1',
  port = 0,
): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      const text = JSON.stringify(body);
      res.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(text),
      });
      res.end(text);
    };
    req.resume();
    const m = /^\/citizens\/([^/?]+)$/.exec((req.url ?? '').split('?')[0]!);
    if (req.method !== 'GET' || !m)
      return send(404, { code: 'population.no_route', message: 'Không có dịch vụ này.' });
    const id = decodeURIComponent(m[1]!);
    try {
      parsePersonalId(id);
    } catch (err) {
      return send(400, { code: 'population.invalid_personal_id', message: (err as Error).message });
    }
    const c = CITIZENS.find((x) => x.personalId === id);
    if (!c) return send(404, { code: 'population.unknown_citizen', message: 'Không tìm thấy công dân.' });
    send(200, {
      personalId: c.personalId,
      fullName: c.fullName,
      birthDate: c.birthDate,
      gender: c.gender,
      permanentAddress: c.address,
      sample: true,
    });
  });
  return new Promise((resolve) => {
    server.listen(port, host, () => {
      resolve({ url: `http://${host}:${(server.address() as { port: number }).port}`, server });
    });
  });
}
