import Fastify from 'fastify';
import pg from 'pg';

/**
 * The storage ceiling for writes on PostgreSQL: Fastify + node-postgres, one INSERT per
 * request as its own transaction, committed with synchronous_commit=on (the answer waits for
 * the commit's WAL to be flushed to disk), over a pool of POOL connections (default 10, the
 * service's). Concurrent commits share WAL flushes as PostgreSQL does for any client.
 */
const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL!,
  max: Number(process.env.POOL ?? 10),
  options: '-c synchronous_commit=on',
});
const settings = await pool.query<{ name: string; setting: string }>(
  "SELECT name, setting FROM pg_settings WHERE name IN ('synchronous_commit', 'fsync')",
);
for (const { name, setting } of settings.rows)
  if (setting !== 'on') throw new Error(`${name} is ${setting}: the ceiling would not be durable`);
await pool.query('CREATE TABLE IF NOT EXISTS log (id bigserial PRIMARY KEY, stream text NOT NULL, body text NOT NULL)');

const app = Fastify({ logger: false });
app.post('/write', async (request, reply) => {
  const body = request.body as { stream: string; count: number };
  await pool.query('INSERT INTO log (stream, body) VALUES ($1, $2)', [body.stream, JSON.stringify(body)]);
  return reply.code(201).send({ ok: true });
});
await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
console.log(`listening ${(app.server.address() as { port: number }).port}`);
