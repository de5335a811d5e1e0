/**
 * The database (or the shared rate-limit store) cannot be reached now. Nothing of the request
 * was written; it may be retried once the service has reconnected, which it does by itself.
 */
export class StoreUnavailable extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailable';
  }
}
