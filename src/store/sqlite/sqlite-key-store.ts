import type { Database, Statement } from 'better-sqlite3';
import { and, asc, eq, isNull } from 'drizzle-orm';
import type { Role } from '../../http/auth/roles.js';
import type { ApiKey, KeyStore } from '../key-store.js';
import type { CommitsElsewhere } from './commits-elsewhere.js';
import type { Db } from './connection.js';
import { apiKeys } from './schema.js';

type Row = typeof apiKeys.$inferSelect;
const toKey = ({ digest: _digest, ...r }: Row): ApiKey => ({ ...r, role: r.role as Role });

export class SqliteKeyStore implements KeyStore {
  // Prepared once, and plain better-sqlite3 rather than a mapped query: this runs on every
  // authenticated request.
  private readonly byDigest: Statement<[string], Row>;

  constructor(
    private readonly db: Db,
    sqlite: Database,
    private readonly elsewhere: CommitsElsewhere,
  ) {
    this.byDigest = sqlite.prepare(`SELECT id, name, role, digest, created_at AS createdAt, created_by AS createdBy,
      revoked_at AS revokedAt, revoked_by AS revokedBy FROM api_keys WHERE digest = ? AND revoked_at IS NULL`);
  }

  /**
   * SQLite's data_version: it moves on every commit by another connection (this one's own, and
   * checkpoints, leave it). Read afresh: the key check is the first look of every request.
   */
  changesElsewhere(): number {
    return this.elsewhere.countAfresh();
  }

  async createKey(key: Omit<ApiKey, 'revokedAt' | 'revokedBy'> & { digest: string }): Promise<void> {
    this.db.insert(apiKeys).values(key).run();
  }

  async listKeys(): Promise<ApiKey[]> {
    return this.db.select().from(apiKeys).orderBy(asc(apiKeys.createdAt), asc(apiKeys.id)).all().map(toKey);
  }

  async revokeKey(id: string, by: string, at: string): Promise<ApiKey | null> {
    this.db
      .update(apiKeys)
      .set({ revokedAt: at, revokedBy: by })
      .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
      .run();
    const row = this.db.select().from(apiKeys).where(eq(apiKeys.id, id)).get();
    return row ? toKey(row) : null;
  }

  async findLiveKey(digest: string): Promise<(ApiKey & { digest: string }) | null> {
    const row = this.byDigest.get(digest);
    return row ? { ...toKey(row), digest: row.digest } : null;
  }
}
