import Database from 'better-sqlite3';
import Fastify from 'fastify';

/**
 * The storage ceiling for writes: Fastify + better-sqlite3 in WAL with synchronous=FULL, one
 * insert and two upserts per request. MODE=tx: one transaction per request; MODE=group: the
 * requests of one event-loop turn share a transaction (group commit), each answered after it.
 */
const db = new Database(process.env.DB_PATH!);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.exec(`CREATE TABLE IF NOT EXISTS log (id INTEGER PRIMARY KEY, stream TEXT NOT NULL, body TEXT NOT NULL);
         CREATE TABLE IF NOT EXISTS agg (k TEXT PRIMARY KEY, n INTEGER NOT NULL);`);
const insert = db.prepare('INSERT INTO log (stream, body) VALUES (?, ?)');
const upsert = db.prepare('INSERT INTO agg (k, n) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET n = n + excluded.n');
const write = (stream: string, body: string, n: number) => {
  insert.run(stream, body);
  upsert.run(`a:${stream}`, n);
  upsert.run(`b:${stream}`, n);
};
const one = db.transaction(write);
const many = db.transaction((jobs: [string, string, number][]) => {
  for (const j of jobs) write(...j);
});

let queue: { job: [string, string, number]; done: () => void }[] = [];
const submit = (job: [string, string, number]) =>
  new Promise<void>((done) => {
    queue.push({ job, done });
    if (queue.length === 1)
      setImmediate(() => {
        const batch = queue;
        queue = [];
        many.immediate(batch.map((b) => b.job));
        for (const b of batch) b.done();
      });
  });

const group = process.env.MODE === 'group';
const app = Fastify({ logger: false });
app.post('/write', async (request, reply) => {
  const body = request.body as { stream: string; count: number };
  const job: [string, string, number] = [body.stream, JSON.stringify(body), body.count];
  if (group) await submit(job);
  else one.immediate(...job);
  return reply.code(201).send({ ok: true });
});
await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
console.log(`listening ${(app.server.address() as { port: number }).port}`);
