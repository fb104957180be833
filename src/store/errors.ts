// What a store failure means for the data that was being written. Only an error about the
// rows themselves may dead-letter them; anything else (a busy, full, read-only or unreachable
// store) is the store's problem, and the batch waits and is retried whole: valid events are
// never sent to the dead letters because ClickHouse was having a bad minute.

/**
 * ClickHouse error codes (ErrorCodes.cpp) that say a row's values cannot be taken for its
 * columns. Every other code, and an error without one (a lost connection), is transient.
 * An allowlist, so a code nobody foresaw stalls the batch (visible, recoverable) rather
 * than dead-lettering valid events.
 */
export const DATA_ERROR_CODES: ReadonlyMap<number, string> = new Map([
  [6, 'CANNOT_PARSE_TEXT'],
  [25, 'CANNOT_PARSE_ESCAPE_SEQUENCE'],
  [26, 'CANNOT_PARSE_QUOTED_STRING'],
  [27, 'CANNOT_PARSE_INPUT_ASSERTION_FAILED'],
  [32, 'ATTEMPT_TO_READ_AFTER_EOF'],
  [33, 'CANNOT_READ_ALL_DATA'],
  [38, 'CANNOT_PARSE_DATE'],
  [41, 'CANNOT_PARSE_DATETIME'],
  [53, 'TYPE_MISMATCH'],
  [69, 'ARGUMENT_OUT_OF_BOUND'],
  [70, 'CANNOT_CONVERT_TYPE'],
  [72, 'CANNOT_PARSE_NUMBER'],
  [117, 'INCORRECT_DATA'],
  [130, 'CANNOT_READ_ARRAY_FROM_TEXT'],
  [131, 'TOO_LARGE_STRING_SIZE'],
  [190, 'SIZES_OF_ARRAYS_DONT_MATCH'],
  [321, 'VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE'],
  [349, 'CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN'],
  [376, 'CANNOT_PARSE_UUID'],
  [469, 'VIOLATED_CONSTRAINT'],
  [691, 'UNKNOWN_ELEMENT_OF_ENUM'],
]);

/** A store error, with the ClickHouse code when the engine raised it. */
export class StoreError extends Error {
  /** True unless the engine refused the data itself: back off and retry, never dead-letter. */
  readonly transient: boolean;

  constructor(
    message: string,
    readonly clickhouseCode: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StoreError';
    this.transient = clickhouseCode === undefined || !DATA_ERROR_CODES.has(clickhouseCode);
  }
}

/** True when an error is the store refusing the data itself (a row can be dead-lettered for it). */
export function isDataError(err: unknown): err is StoreError {
  return err instanceof StoreError && !err.transient;
}
