import type { Database, Statement } from 'better-sqlite3';

/**
 * SQLite's `PRAGMA data_version`, which moves whenever another connection or process commits
 * to the file: what the key cache and the read cache check before each use to stay exact.
 */
export class CommitsElsewhere {
  private readonly dataVersion: Statement<[], number>;

  constructor(sqlite: Database) {
    this.dataVersion = sqlite.prepare('PRAGMA data_version').pluck() as Statement<[], number>;
  }

  count(): number {
    return this.dataVersion.get()!;
  }
}
