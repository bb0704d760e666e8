import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hashToken, randomToken, safeEqual, sixDigitCode } from './tokens.js';

// Tokens and codes (R7 codes from a CSPRNG, R8/R11 tokens of ≥128 bits, all stored hashed).

test('randomToken: base64url, 256 bits by default, at least 128 bits', () => {
  const token = randomToken();
  assert.equal(token.length, 43); // 32 bytes → ceil(32 * 4 / 3) characters, no padding
  assert.match(token, /^[A-Za-z0-9_-]+$/);
  assert.equal(Buffer.from(token, 'base64url').length, 32);
  assert.equal(randomToken(16).length, 22);
  assert.equal(randomToken(48).length, 64);
  for (const bytes of [15, 0, -1, 16.5, Number.NaN]) assert.throws(() => randomToken(bytes), RangeError, String(bytes));
});

test('randomToken: no repeats over 1000 draws', () => {
  const seen = new Set(Array.from({ length: 1000 }, () => randomToken()));
  assert.equal(seen.size, 1000);
  const short = new Set(Array.from({ length: 1000 }, () => randomToken(16)));
  assert.equal(short.size, 1000);
});

test('hashToken: SHA-256 hex, deterministic', () => {
  assert.equal(hashToken('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.equal(hashToken(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  const token = randomToken();
  assert.equal(hashToken(token), hashToken(token));
  assert.notEqual(hashToken(token), hashToken(randomToken()));
  assert.match(hashToken(token), /^[0-9a-f]{64}$/);
});

test('sixDigitCode: always six digits, leading zeros kept, spread over the range', () => {
  const codes = Array.from({ length: 1000 }, () => sixDigitCode());
  for (const code of codes) assert.match(code, /^[0-9]{6}$/);
  assert.ok(new Set(codes).size > 990, 'codes repeat far more than chance');
  // Each leading digit should turn up in 1000 draws (chance of missing one ≈ 10 × 0.9^1000).
  assert.equal(new Set(codes.map((code) => code[0])).size, 10);
});

test('safeEqual: equal strings only; different lengths are false, not an error', () => {
  assert.equal(safeEqual('123456', '123456'), true);
  assert.equal(safeEqual('', ''), true);
  assert.equal(safeEqual('123456', '123457'), false);
  assert.equal(safeEqual('123456', '12345'), false);
  assert.equal(safeEqual('12345', '123456'), false);
  assert.equal(safeEqual('ñ', 'n'), false);
  assert.equal(safeEqual('ñ', 'ñ'), true);
  const token = randomToken();
  assert.equal(safeEqual(hashToken(token), hashToken(token)), true);
});
