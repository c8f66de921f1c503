import type { SendRequest } from '../send.ts';

/** Realistic document headers for the demo, tests and the benchmark. */
export function sampleDocument(
  n: number,
  options: { dueDate?: string; place?: string } = {},
): SendRequest['messageHeader'] {
  return {
    code: { codeNumber: String(100 + n), codeNotation: 'UBND-VP' },
    promulgationInfo: { place: options.place ?? 'Quảng Ninh', promulgationDate: '2026/11/23' },
    documentType: { type: 18, typeName: 'Công văn' },
    subject: `V/v phối hợp liên thông thủ tục đăng ký khai sinh, thường trú, cấp thẻ BHYT cho trẻ em dưới 6 tuổi (số ${n})`,
    content: 'Ủy ban nhân dân tỉnh đề nghị quý cơ quan phối hợp triển khai quy trình liên thông điện tử.',
    signerInfo: { competence: 'TM. Ủy ban nhân dân', position: 'Chủ tịch', fullName: 'Nguyễn Văn Thắng' },
    ...(options.dueDate ? { dueDate: options.dueDate } : {}),
    otherInfo: { priority: 0, sphereOfPromulgation: 'Liên thông văn bản quốc gia', pageAmount: 2 },
    steeringType: 0,
  };
}
