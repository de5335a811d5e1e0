import { defineConfig } from 'drizzle-kit';

// Migrations are generated from src/store/sqlite/schema.ts by `npm run db:generate` and
// applied by the service at start; test/migrations.test.ts fails when they drift.
export default defineConfig({
  dialect: 'sqlite',
  schema: './src/store/sqlite/schema.ts',
  out: process.env.DRIZZLE_OUT ?? './migrations',
});
