/**
 * One error type for the whole platform. Every failure a caller can see carries a stable,
 * dotted machine code (`registry.unknown_parent`) and a message that says what to fix.
 * The HTTP status is derived from the code's category in exactly one place: `httpStatusOf`.
 */

export type ErrorCategory =
  | 'bad_input' // 400: the request is malformed or violates a rule
  | 'unauthenticated' // 401: no or unknown credentials
  | 'forbidden' // 403: known caller, not allowed
  | 'not_found' // 404
  | 'conflict' // 409: duplicate, or the state does not allow it
  | 'gone' // 410
  | 'precondition' // 412
  | 'too_large' // 413
  | 'unsupported_media' // 415
  | 'rate_limited' // 429
  | 'unavailable' // 503
  | 'bad_gateway' // 502: an upstream answered badly or not at all
  | 'timeout' // 504: an upstream did not answer in time
  | 'internal'; // 500

const STATUS: Record<ErrorCategory, number> = {
  bad_input: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  gone: 410,
  precondition: 412,
  too_large: 413,
  unsupported_media: 415,
  rate_limited: 429,
  internal: 500,
  bad_gateway: 502,
  unavailable: 503,
  timeout: 504,
};

export function httpStatusOf(category: ErrorCategory): number {
  return STATUS[category];
}

export interface AppErrorOptions {
  /** Structured facts about the failure, safe to show to the caller (field names, limits). */
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class AppError extends Error {
  override readonly name = 'AppError';
  readonly code: string;
  readonly category: ErrorCategory;
  readonly details: Record<string, unknown> | undefined;

  constructor(category: ErrorCategory, code: string, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.category = category;
    this.code = code;
    this.details = options.details;
  }

  get status(): number {
    return httpStatusOf(this.category);
  }

  toJSON(): { code: string; message: string; details?: Record<string, unknown> } {
    return this.details
      ? { code: this.code, message: this.message, details: this.details }
      : { code: this.code, message: this.message };
  }
}

/** Shorthands, so call sites read as the rule they enforce. */
export const badInput = (code: string, message: string, details?: Record<string, unknown>) =>
  new AppError('bad_input', code, message, details ? { details } : {});
export const notFound = (code: string, message: string, details?: Record<string, unknown>) =>
  new AppError('not_found', code, message, details ? { details } : {});
export const conflict = (code: string, message: string, details?: Record<string, unknown>) =>
  new AppError('conflict', code, message, details ? { details } : {});
export const forbidden = (code: string, message: string, details?: Record<string, unknown>) =>
  new AppError('forbidden', code, message, details ? { details } : {});
export const unauthenticated = (code: string, message: string) =>
  new AppError('unauthenticated', code, message);

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}
