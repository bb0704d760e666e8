import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hash } from '@node-rs/argon2';
import type { Algorithm } from '@node-rs/argon2';
import {
  ARGON2_PARAMS,
  dummyVerify,
  hashPassword,
  matchesAnyHash,
  needsRehash,
  passwordHashWork,
  verifyPassword,
} from './password-hash.js';

// Passwords at rest (R4, R7, R11, R12; PRODUCT §5 floor m = 19 MiB, t = 2, p = 1).

test('ARGON2_PARAMS is the PRODUCT §5 floor', () => {
  assert.deepEqual({ ...ARGON2_PARAMS }, { memoryCost: 19456, timeCost: 2, parallelism: 1 });
});

test('hash and verify round trip; a wrong password does not verify', async () => {
  const stored = await hashPassword('Tranvia7Lunes');
  assert.match(stored, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
  assert.equal(await verifyPassword(stored, 'Tranvia7Lunes'), true);
  assert.equal(await verifyPassword(stored, 'tranvia7lunes'), false);
  assert.equal(await verifyPassword(stored, ''), false);
  // A fresh salt every time: the same password never gives the same string.
  assert.notEqual(await hashPassword('Tranvia7Lunes'), stored);
  assert.equal(needsRehash(stored), false);
});

test('a malformed or foreign hash is a mismatch, not an error', async () => {
  const bcrypt = '$2b$10$abcdefghijklmnopqrstuu5Jx7kzq0yQdP1dP0Dq3yQk3rWyYJm6';
  for (const stored of ['', 'nonsense', '$argon2id$v=19$m=19456,t=2,p=1$bad$bad', bcrypt]) {
    assert.equal(await verifyPassword(stored, 'Tranvia7Lunes'), false, stored);
    assert.equal(needsRehash(stored), true, stored);
  }
  assert.equal(await matchesAnyHash('Tranvia7Lunes', ['nonsense']), false);
});

test('needsRehash flags hashes made with weaker settings or another variant', async () => {
  const argon2i: Algorithm.Argon2i = 1;
  const weaker = [
    await hash('x', { memoryCost: 4096, timeCost: 2, parallelism: 1 }),
    await hash('x', { memoryCost: 19456, timeCost: 1, parallelism: 1 }),
    await hash('x', { memoryCost: 19456, timeCost: 2, parallelism: 1, outputLen: 16 }),
    await hash('x', { memoryCost: 19456, timeCost: 2, parallelism: 1, algorithm: argon2i }),
  ];
  for (const stored of weaker) assert.equal(needsRehash(stored), true, stored);
  assert.equal(needsRehash(await hash('x', { memoryCost: 47104, timeCost: 3, parallelism: 1 })), false);
});

test('matchesAnyHash checks a full 20-password history: finds the 20th, not a 21st', async () => {
  const history = await Promise.all(Array.from({ length: 20 }, (_, i) => hashPassword(`Anterior${i + 1}x`)));
  assert.equal(await matchesAnyHash('Anterior20x', history), true);
  assert.equal(await matchesAnyHash('Anterior1x', history), true);
  assert.equal(await matchesAnyHash('Anterior21x', history), false);
  assert.equal(await matchesAnyHash('Anterior1x', []), false);
});

test('dummyVerify costs a real verification and resolves without a verdict', async () => {
  await dummyVerify('warm-up');
  const before = passwordHashWork.verifications;
  assert.equal(await dummyVerify('Tranvia7Lunes'), undefined);
  // Counted, not timed: the unknown-account path runs one real argon2id verification (R7, enumeration).
  assert.equal(passwordHashWork.verifications, before + 1);
});
