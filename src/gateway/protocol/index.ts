/** The X-Road REST protocol rules a gateway applies: request paths, errors, the request hash. */

export * from './accept.ts';
export * from './errors.ts';
export * from './path.ts';
export * from './request-hash.ts';
