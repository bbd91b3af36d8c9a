export type LedgerErrorCode =
  | 'invalid'
  | 'not_found'
  | 'insufficient'
  | 'conflict'
  | 'corrupt'
  | 'newer_version'
  | 'integrity'
  | 'not_armed';

/** A ledger refusal with a reason the caller can show as it is. */
export class LedgerError extends Error {
  constructor(
    readonly code: LedgerErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'LedgerError';
  }
}
