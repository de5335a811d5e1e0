import type pg from 'pg';
import type { Role } from '../../http/auth/roles.js';
import type { ApiKey, KeyStore } from '../key-store.js';
import { run } from './queries.js';
import { cannotBeStored } from './rows.js';

type Row = ApiKey & { digest: string };

const COLUMNS = `id, name, role, digest, created_at AS "createdAt", created_by AS "createdBy", revoked_at AS "revokedAt",
  revoked_by AS "revokedBy"`;

const KEYS = {
  create: { name: 'ledger_key_create', text: `INSERT INTO api_keys (id, name, role, digest, created_at, created_by, revoked_at, revoked_by)
    VALUES ($1, $2, $3, $4, $5, $6, NULL, NULL)` },
  list: { name: 'ledger_key_list', text: `SELECT ${COLUMNS} FROM api_keys ORDER BY created_at, id` },
  /** The first revocation stays: a second (here or on another instance) finds revoked_at set and changes nothing. */
  revoke: { name: 'ledger_key_revoke', text: `UPDATE api_keys SET revoked_at = $3, revoked_by = $2 WHERE id = $1 AND revoked_at IS NULL` },
  byId: { name: 'ledger_key_by_id', text: `SELECT ${COLUMNS} FROM api_keys WHERE id = $1` },
  live: { name: 'ledger_key_live', text: `SELECT ${COLUMNS} FROM api_keys WHERE digest = $1 AND revoked_at IS NULL` },
};

const toKey = ({ digest: _digest, ...r }: Row): ApiKey => ({ ...r, role: r.role as Role });

/**
 * API keys in the ledger's database. Every lookup asks the database, so a key revoked on one
 * instance is refused at once by all: there is no changesElsewhere, and the service runs
 * PostgreSQL without the key cache.
 */
export class PgKeyStore implements KeyStore {
  constructor(private readonly pool: pg.Pool) {}

  async createKey(key: Omit<ApiKey, 'revokedAt' | 'revokedBy'> & { digest: string }): Promise<void> {
    await run(this.pool, KEYS.create, [key.id, key.name, key.role, key.digest, key.createdAt, key.createdBy]);
  }

  async listKeys(): Promise<ApiKey[]> {
    return (await run<Row>(this.pool, KEYS.list)).map(toKey);
  }

  async revokeKey(id: string, by: string, at: string): Promise<ApiKey | null> {
    if (cannotBeStored(id)) return null;
    await run(this.pool, KEYS.revoke, [id, by, at]);
    const [row] = await run<Row>(this.pool, KEYS.byId, [id]);
    return row ? toKey(row) : null;
  }

  async findLiveKey(digest: string): Promise<(ApiKey & { digest: string }) | null> {
    if (cannotBeStored(digest)) return null;
    const [row] = await run<Row>(this.pool, KEYS.live, [digest]);
    return row ? { ...toKey(row), digest: row.digest } : null;
  }
}
