import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { createSecretBox, SecretBoxError } from './secret-box.js';

// R29, R31: files are sealed as bytes under ENCRYPTION_KEY; a rotated key still opens them, a tampered file does not.

const oldKey = randomBytes(32);
const newKey = randomBytes(32);

test('bytes sealed as one buffer or as chunks open to the same bytes; the clear bytes are not in the seal', () => {
  const box = createSecretBox(oldKey);
  const plain = Buffer.from('%PDF-1.7 factura de 80,00 € '.repeat(1000));
  const whole = box.sealBytes(plain);
  const chunks = [plain.subarray(0, 7), plain.subarray(7, 5000), plain.subarray(5000)];
  const chunked = box.sealBytes(chunks);
  assert.deepEqual(chunks, [Buffer.alloc(0), Buffer.alloc(0), Buffer.alloc(0)], 'each chunk released once sealed');
  assert.deepEqual(box.openBytes(whole), plain);
  assert.deepEqual(box.openBytes(chunked), plain);
  assert.ok(!whole.includes('factura'));
  assert.notDeepEqual(whole, chunked, 'a fresh IV each time');
  assert.equal(whole.length, plain.length + 4 + 8 + 12 + 16, 'binary: no base64 growth');
});

test('after rotation the previous key still opens, and only the new key is current', () => {
  const sealed = createSecretBox(oldKey).sealBytes(Buffer.from('x'));
  const rotated = createSecretBox(newKey, [oldKey]);
  assert.equal(rotated.isCurrentBytes(sealed), false);
  assert.deepEqual(rotated.openBytes(sealed), Buffer.from('x'));
  assert.equal(rotated.isCurrentBytes(rotated.sealBytes(Buffer.from('x'))), true);
  assert.throws(() => createSecretBox(newKey).openBytes(sealed), SecretBoxError, 'unknown key');
});

test('a flipped bit, a cut file or clear bytes are refused, never returned', () => {
  const box = createSecretBox(oldKey);
  const sealed = box.sealBytes(Buffer.from('hello world'));
  const flipped = Buffer.from(sealed);
  flipped[30]! ^= 1;
  assert.throws(() => box.openBytes(flipped), SecretBoxError);
  assert.throws(() => box.openBytes(sealed.subarray(0, 20)), SecretBoxError);
  assert.throws(() => box.openBytes(Buffer.from('%PDF-1.7 not sealed at all, just bytes')), SecretBoxError);
});
