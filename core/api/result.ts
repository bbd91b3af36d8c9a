/** The wire shape of a call's outcome, identical over IPC, HTTP and WebSocket. */
export type ErrorCode =
  | 'unknown_verb'
  | 'invalid_input'
  | 'invalid_output'
  | 'rejected'
  | 'not_found'
  | 'unavailable'
  | 'internal';

export interface ApiError {
  code: ErrorCode;
  message: string;
  /** Field-level problems for invalid input: path and message. */
  issues?: { path: string; message: string }[];
}

export type ApiResult<T> = { ok: true; result: T } | { ok: false; error: ApiError };

/** An error a handler throws on purpose: shown to the caller as it is. */
export class ApiFailure extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly issues?: { path: string; message: string }[],
  ) {
    super(message);
    this.name = 'ApiFailure';
  }
}
