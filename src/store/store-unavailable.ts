/**
 * The database (or the shared rate-limit store) could not be reached, or lost the connection
 * while it worked: a fault of the moment, not of the request, which the HTTP layer answers
 * with 503 (try again later). A write it interrupted was not acknowledged and left nothing
 * half-written: its transaction was rolled back whole, or, if the connection was lost during
 * the COMMIT itself, may have been committed whole. Repeating the request with the same
 * Idempotency-Key tells which.
 */
export class StoreUnavailable extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailable';
  }
}
