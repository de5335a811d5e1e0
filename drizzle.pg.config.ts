import { defineConfig } from 'drizzle-kit';

// The PostgreSQL store's migrations, generated from src/store/postgres/schema.ts by
// `npm run db:generate:pg` and applied by the service at start (under an advisory lock, so
// that several instances starting at once migrate once); test/migrations.test.ts fails when
// they drift.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/store/postgres/schema.ts',
  out: process.env.DRIZZLE_OUT ?? './migrations/pg',
});
