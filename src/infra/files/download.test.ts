import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify from 'fastify';
import { attachmentDisposition, sendAttachment } from './download.js';

// STYLE habit 20, R31: a stored file leaves only as an attachment, with nosniff, a sandboxing CSP and no-store.

test('a download is an attachment with nosniff, a sandboxing CSP, no-store and the stored type', async () => {
  const app = Fastify();
  const bytes = Buffer.from('<html><script>alert(1)</script></html>');
  app.get('/f', (_req, reply) =>
    sendAttachment(reply, { name: 'Informe médico 1/2 "final".pdf', content_type: 'application/pdf' }, bytes),
  );
  const res = await app.inject({ method: 'GET', url: '/f' });
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-type'], 'application/pdf');
  assert.equal(res.headers['x-content-type-options'], 'nosniff');
  assert.equal(res.headers['content-security-policy'], "sandbox; default-src 'none'; frame-ancestors 'none'");
  assert.equal(res.headers['cache-control'], 'no-store');
  assert.equal(res.headers['content-length'], String(bytes.length));
  assert.equal(
    res.headers['content-disposition'],
    `attachment; filename="Informe medico 1/2 _final_.pdf"; filename*=UTF-8''Informe%20m%C3%A9dico%201%2F2%20%22final%22.pdf`,
  );
  assert.deepEqual(res.rawPayload, bytes);
  await app.close();
});

test('the filename* parameter decodes back to the name (RFC 8187), and the fallback is plain ASCII', () => {
  for (const name of [
    'factura.pdf',
    'Año 2026 – receta ñ.png',
    '😀 scan.jpg',
    "it's (1) [a] {b};=,.pdf",
    'a%20b.pdf',
  ]) {
    const header = attachmentDisposition(name);
    const star = /filename\*=UTF-8''([^;\s]+)$/.exec(header)?.[1];
    assert.equal(decodeURIComponent(star!), name, header);
    const fallback = /filename="([^"]*)"/.exec(header)?.[1];
    assert.match(fallback!, /^[\x20-\x7e]*$/);
    assert.doesNotMatch(fallback!, /["\\%]/);
    assert.match(header, /^attachment;/);
  }
});
