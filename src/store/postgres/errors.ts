import { StoreUnavailable } from '../store-unavailable.js';

/**
 * Which failures of node-postgres mean "the database is not there right now" rather than a
 * fault of the statement: the server refusing or dropping the connection (SQLSTATE class 08,
 * an administrator's or a crash's shutdown 57P01–57P03, too many connections 53300), the
 * socket failing, or the client and pool saying their connection is gone.
 */
const UNAVAILABLE_STATES = /^(08...|57P0[123]|53300)$/;
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND',
  'EAI_AGAIN', 'ECONNABORTED']);
const CLIENT_MESSAGES = /^Connection terminated|is not queryable|timeout exceeded when trying to connect|Query read timeout/;

function isUnavailableItself(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (UNAVAILABLE_STATES.test(code) || SOCKET_CODES.has(code))) return true;
  // Connecting to a name with several addresses fails with one error per address.
  if (error instanceof AggregateError && error.errors.some(isUnavailableItself)) return true;
  return CLIENT_MESSAGES.test(error.message);
}

/** The failure, or what caused it (drizzle wraps the driver's errors), means the database is unavailable. */
export function isUnavailable(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth += 1) {
    if (e instanceof StoreUnavailable || isUnavailableItself(e)) return true;
  }
  return false;
}

/** StoreUnavailable for an unavailable database; any other error as it is. */
export function storeError(error: unknown): unknown {
  if (error instanceof StoreUnavailable || !isUnavailable(error)) return error;
  return new StoreUnavailable(`the database is unavailable: ${reasonOf(error)}`, { cause: error });
}

/** What went wrong, in a few words, for a message of one line. */
export function reasonOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return reasonOf(error.errors[0]);
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  if (code === 'ECONNREFUSED') return 'connection refused (is PostgreSQL running and listening there?)';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'no such host';
  return (error.message || String(code ?? error.name)).replace(/\s+/g, ' ').trim();
}
