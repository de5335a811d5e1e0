import type { Role } from '../http/auth/roles.js';

export interface ApiKey {
  id: string;
  name: string;
  role: Role;
  createdAt: string;
  createdBy: string;
  revokedAt: string | null;
  revokedBy: string | null;
}

/** API keys, kept apart from the ledger: they are access control, not facts of the record. */
export interface KeyStore {
  createKey(key: Omit<ApiKey, 'revokedAt' | 'revokedBy'> & { digest: string }): Promise<void>;
  listKeys(): Promise<ApiKey[]>;
  /** Revokes at once; false when no such key. Revoking twice keeps the first revocation. */
  revokeKey(id: string, by: string, at: string): Promise<ApiKey | null>;
  /** The live (non-revoked) key with this digest, and its stored digest for the constant-time check. */
  findLiveKey(digest: string): Promise<(ApiKey & { digest: string }) | null>;
  /**
   * A number that moves whenever another connection or process has committed to the
   * database: what a cache in front of this store checks to stay exact. Optional: a store
   * without it is cached for the TTL alone.
   */
  changesElsewhere?(): number;
}
