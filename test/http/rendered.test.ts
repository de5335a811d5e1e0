import Fastify from 'fastify';
import { validatorCompiler } from 'fastify-type-provider-zod';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { sendPresented } from '../../src/http/rendered.js';
import { fastSerializerCompiler } from '../../src/http/serializer.js';

/** A route answering `value` through sendPresented, counting how often it is presented. */
async function appAnswering(value: { figure: number; internal: string }) {
  let presented = 0;
  const app = Fastify();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(fastSerializerCompiler);
  // One presenter for the route, as the service's routes have: renderings are kept per presenter.
  const present = (v: typeof value) => {
    presented += 1;
    return { ...v };
  };
  app.get('/answer', { schema: { response: { 200: z.object({ figure: z.number() }) } } }, async (_request, reply) =>
    sendPresented(reply, value, present),
  );
  await app.ready();
  return { app, presented: () => presented };
}

describe('answers rendered once while the cache holds them', () => {
  it('renders a frozen (cached) value once, and sends the same JSON every time', async () => {
    const { app, presented } = await appAnswering(Object.freeze({ figure: 1200, internal: 'not for clients' }));
    const first = await app.inject('/answer');
    const second = await app.inject('/answer');
    expect(first.statusCode).toBe(200);
    expect(first.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(second.body).toBe(first.body);
    expect(presented()).toBe(1);
    await app.close();
  });

  it('renders a value that is not frozen on every request', async () => {
    const value = { figure: 1200, internal: 'not for clients' };
    const { app, presented } = await appAnswering(value);
    expect(JSON.parse((await app.inject('/answer')).body)).toEqual({ figure: 1200 });
    value.figure = 1201;
    expect(JSON.parse((await app.inject('/answer')).body)).toEqual({ figure: 1201 });
    expect(presented()).toBe(2);
    await app.close();
  });

  it('goes through the route’s response schema: only documented fields leave', async () => {
    const { app } = await appAnswering(Object.freeze({ figure: 3000, internal: 'not for clients' }));
    const body = (await app.inject('/answer')).body;
    expect(JSON.parse(body)).toEqual({ figure: 3000 });
    expect(body).not.toContain('internal');
    await app.close();
  });

  it('keeps one rendering per presenter: the same held object presented two ways gives two answers', async () => {
    const value = Object.freeze({ figure: 1200, internal: 'not for clients' });
    const app = Fastify();
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(fastSerializerCompiler);
    const asIs = (v: typeof value) => ({ figure: v.figure });
    const doubled = (v: typeof value) => ({ figure: v.figure * 2 });
    const schema = { response: { 200: z.object({ figure: z.number() }) } };
    app.get('/as-is', { schema }, async (_request, reply) => sendPresented(reply, value, asIs));
    app.get('/doubled', { schema }, async (_request, reply) => sendPresented(reply, value, doubled));
    await app.ready();
    for (let round = 0; round < 2; round += 1) {
      expect(JSON.parse((await app.inject('/as-is')).body)).toEqual({ figure: 1200 });
      expect(JSON.parse((await app.inject('/doubled')).body)).toEqual({ figure: 2400 });
    }
    await app.close();
  });
});
