/**
 * Provincial codes used in digits 1–3 of the 12-digit personal identification number
 * (Circular 07/2016/TT-BCA, later 59/2021/TT-BCA). They are the national administrative
 * codes of the 63 provinces and centrally-run cities (Decision 124/2004/QĐ-TTg) padded to
 * three digits, which is why the sequence has gaps.
 *
 * Names are those of the 63-province map under which these numbers were issued. The 2025
 * reorganisation merged provinces but does not re-issue numbers, so a number still names the
 * province where the birth was registered at the time; callers that need more codes (births
 * registered abroad, a later map) pass their own table to the personal-id functions.
 */

export type ProvinceKind = 'province' | 'city';

export interface Province {
  readonly code: string;
  /** Vietnamese name, NFC, without the "Tỉnh"/"Thành phố" prefix except where it is part of the name. */
  readonly name: string;
  /** `city` = centrally-run city (thành phố trực thuộc trung ương). */
  readonly kind: ProvinceKind;
}

const p = (code: string, name: string, kind: ProvinceKind = 'province'): Province =>
  Object.freeze({ code, name: name.normalize('NFC'), kind });

export const PROVINCES: readonly Province[] = Object.freeze([
  p('001', 'Hà Nội', 'city'),
  p('002', 'Hà Giang'),
  p('004', 'Cao Bằng'),
  p('006', 'Bắc Kạn'),
  p('008', 'Tuyên Quang'),
  p('010', 'Lào Cai'),
  p('011', 'Điện Biên'),
  p('012', 'Lai Châu'),
  p('014', 'Sơn La'),
  p('015', 'Yên Bái'),
  p('017', 'Hòa Bình'),
  p('019', 'Thái Nguyên'),
  p('020', 'Lạng Sơn'),
  p('022', 'Quảng Ninh'),
  p('024', 'Bắc Giang'),
  p('025', 'Phú Thọ'),
  p('026', 'Vĩnh Phúc'),
  p('027', 'Bắc Ninh'),
  p('030', 'Hải Dương'),
  p('031', 'Hải Phòng', 'city'),
  p('033', 'Hưng Yên'),
  p('034', 'Thái Bình'),
  p('035', 'Hà Nam'),
  p('036', 'Nam Định'),
  p('037', 'Ninh Bình'),
  p('038', 'Thanh Hóa'),
  p('040', 'Nghệ An'),
  p('042', 'Hà Tĩnh'),
  p('044', 'Quảng Bình'),
  p('045', 'Quảng Trị'),
  p('046', 'Thừa Thiên Huế'),
  p('048', 'Đà Nẵng', 'city'),
  p('049', 'Quảng Nam'),
  p('051', 'Quảng Ngãi'),
  p('052', 'Bình Định'),
  p('054', 'Phú Yên'),
  p('056', 'Khánh Hòa'),
  p('058', 'Ninh Thuận'),
  p('060', 'Bình Thuận'),
  p('062', 'Kon Tum'),
  p('064', 'Gia Lai'),
  p('066', 'Đắk Lắk'),
  p('067', 'Đắk Nông'),
  p('068', 'Lâm Đồng'),
  p('070', 'Bình Phước'),
  p('072', 'Tây Ninh'),
  p('074', 'Bình Dương'),
  p('075', 'Đồng Nai'),
  p('077', 'Bà Rịa - Vũng Tàu'),
  p('079', 'Thành phố Hồ Chí Minh', 'city'),
  p('080', 'Long An'),
  p('082', 'Tiền Giang'),
  p('083', 'Bến Tre'),
  p('084', 'Trà Vinh'),
  p('086', 'Vĩnh Long'),
  p('087', 'Đồng Tháp'),
  p('089', 'An Giang'),
  p('091', 'Kiên Giang'),
  p('092', 'Cần Thơ', 'city'),
  p('093', 'Hậu Giang'),
  p('094', 'Sóc Trăng'),
  p('095', 'Bạc Liêu'),
  p('096', 'Cà Mau'),
]);

/** Code → name, the shape the personal-id functions take as their `provinces` option. */
export const PROVINCE_NAMES: Readonly<Record<string, string>> = Object.freeze(
  Object.fromEntries(PROVINCES.map((pr) => [pr.code, pr.name])),
);

export function provinceByCode(code: string): Province | undefined {
  return PROVINCES.find((pr) => pr.code === code);
}
