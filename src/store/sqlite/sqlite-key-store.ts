import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { Role } from '../../http/auth/roles.js';
import type { ApiKey, KeyStore } from '../key-store.js';
import type { Db } from './connection.js';
import { apiKeys } from './schema.js';

type Row = typeof apiKeys.$inferSelect;
const toKey = ({ digest: _digest, ...r }: Row): ApiKey => ({ ...r, role: r.role as Role });

export class SqliteKeyStore implements KeyStore {
  // Prepared once: this runs on every authenticated request.
  private readonly byDigest;

  constructor(private readonly db: Db) {
    this.byDigest = db.select().from(apiKeys).where(and(eq(apiKeys.digest, sql.placeholder('digest')), isNull(apiKeys.revokedAt))).prepare();
  }

  async createKey(key: Omit<ApiKey, 'revokedAt' | 'revokedBy'> & { digest: string }): Promise<void> {
    this.db.insert(apiKeys).values(key).run();
  }

  async listKeys(): Promise<ApiKey[]> {
    return this.db.select().from(apiKeys).orderBy(asc(apiKeys.createdAt), asc(apiKeys.id)).all().map(toKey);
  }

  async revokeKey(id: string, by: string, at: string): Promise<ApiKey | null> {
    this.db.update(apiKeys).set({ revokedAt: at, revokedBy: by }).where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt))).run();
    const row = this.db.select().from(apiKeys).where(eq(apiKeys.id, id)).get();
    return row ? toKey(row) : null;
  }

  async findLiveKey(digest: string): Promise<(ApiKey & { digest: string }) | null> {
    const row = this.byDigest.get({ digest });
    return row ? { ...toKey(row), digest: row.digest } : null;
  }
}
