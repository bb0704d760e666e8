import Fastify from 'fastify';

// The comparison for the signed-in page (PRODUCT §5): Fastify with one GET route returning a small HTML page.
const html =
  '<!doctype html><html lang="es"><head><meta charset="utf-8"><title>Área privada</title></head><body><main><h1>Hola</h1><p>Página mínima.</p></main></body></html>';
const app = Fastify({ logger: false });
app.get('/', async (_request, reply) =>
  reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(html),
);
await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
