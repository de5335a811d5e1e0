/**
 * Advisory lock keys of this service, in the database it shares with nothing else of its own.
 * Arbitrary constants ("LEDG" and two suffixes), chosen unlikely to meet another
 * application's keys should the database be shared.
 */

/** Held by every write transaction from its first statement: writes run one at a time, in every instance. */
export const WRITE_LOCK = 0x4c454447_01;

/** Held while migrations are applied at open, so that instances starting together migrate once. */
export const MIGRATION_LOCK = 0x4c454447_02;
