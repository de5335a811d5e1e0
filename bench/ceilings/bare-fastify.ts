import Fastify from 'fastify';

/** The framework ceiling for reads: a bare Fastify route returning a ~300-byte JSON object. */
const body = {
  id: '0196e5a4-8f00-7000-8000-000000000001',
  kind: 'pow',
  status: 'agreed',
  proposedBy: 'UA',
  sides: [
    { party: 'UA', handsOver: 1000, delivered: 697 },
    { party: 'RU', handsOver: 1000, delivered: 697 },
  ],
  occurredAt: '2025-05-16',
  agreedAt: '2025-05-16',
  updatedAt: '2025-05-24T18:00:00.000Z',
  version: 4,
  title: '1,000 for 1,000',
};
const app = Fastify({ logger: false });
app.get('/thing', async () => body);
await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
console.log(`listening ${(app.server.address() as { port: number }).port}`);
