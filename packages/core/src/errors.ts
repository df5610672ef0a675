/**
 * Every error this project throws on purpose is an `OrlError` with a stable `code`, so callers can branch on
 * `err.code` instead of parsing messages. `details` carries the machine-readable context (field, row, file, key…).
 */
export type OrlErrorCode =
  | 'INVALID_ARGUMENT'
  | 'INVALID_CONFIG'
  | 'INVALID_DATASET'
  | 'SHAPE_MISMATCH'
  | 'NON_FINITE'
  | 'EMPTY'
  | 'NOT_FOUND'
  | 'FORMAT'
  | 'IO'
  | 'CHECKPOINT'
  | 'ENV'
  | 'EPISODE_DONE'
  | 'UNKNOWN_NAME'
  | 'UNSAFE_PATH'
  | 'TOO_LARGE'
  | 'BACKEND'
  | 'DATABASE'
  | 'UNSUPPORTED';

export class OrlError extends Error {
  override readonly name: string = 'OrlError';
  readonly code: OrlErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: OrlErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.details = details;
  }
}

/** A dataset failed validation: names the field and, where it applies, the first offending row. */
export class DatasetError extends OrlError {
  override readonly name = 'DatasetError';
  readonly field: string;
  readonly row: number | undefined;

  constructor(code: OrlErrorCode, field: string, row: number | undefined, message: string, details: Record<string, unknown> = {}) {
    super(code, `${field}${row === undefined ? '' : `[row ${row}]`}: ${message}`, { field, row, ...details });
    this.field = field;
    this.row = row;
  }
}

export function isOrlError(err: unknown, code?: OrlErrorCode): err is OrlError {
  return err instanceof OrlError && (code === undefined || err.code === code);
}

/** Throws INVALID_ARGUMENT unless `cond` holds. */
export function assertArg(cond: unknown, message: string, details: Record<string, unknown> = {}): asserts cond {
  if (!cond) throw new OrlError('INVALID_ARGUMENT', message, details);
}
