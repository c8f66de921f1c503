/** Identifier families Liên Thông speaks: agency codes, tax codes, personal numbers, X-Road ids. */

export * from './agency-code.ts';
export * from './personal-id.ts';
export * from './provinces.ts';
export * from './tax-code.ts';
export * from './xroad-id.ts';
