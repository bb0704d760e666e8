import { createHash, createHmac, randomInt } from 'node:crypto';
import { createChallenge, verifySolution, type Challenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/pbkdf2';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Clock } from '../../clock.js';
import type { Database } from '../db/tables.js';

// R10: the captcha is ALTCHA, a proof of work the member's browser solves; we issue and verify the challenges
// ourselves (altcha-lib), so no third party sees the member. Each solution is accepted once (captcha_solutions).

/** The key-derivation the browser repeats; PBKDF2 is native WebCrypto in every browser the widget supports. */
export const CAPTCHA_ALGORITHM = 'PBKDF2/SHA-256';

/** PBKDF2 iterations per attempt: measured ~0.2 ms per attempt in headless Chromium on a server core. */
const COST = 1_000;

/**
 * Default ceiling of the secret counter. The browser tries counters from 0 until it finds the one the server
 * chose, uniformly in [maxNumber/10, maxNumber]: ~550 attempts on average, ~0.1 s on one core. Measured end to end
 * (fetch, workers, solve) 0.2–0.3 s in Chromium on 2 cores; a phone several times slower, with its 4–8 cores,
 * should stay well under a second (an estimate). It slows a script; the hard limits (R6, R9) are what stop one.
 */
export const DEFAULT_MAX_NUMBER = 1_000;

export const DEFAULT_EXPIRES_MS = 10 * 60_000;

/** A widget payload is ~1 KB of base64; anything much longer is not one, and is refused before decoding. */
const MAX_PAYLOAD_CHARS = 4_096;

/** What verify() concluded; flows show 'missing' and the rest differently, and audit the reason (R22). */
export type CaptchaVerdict = 'ok' | 'missing' | 'invalid' | 'expired' | 'replayed';

/** The challenge JSON the widget fetches from GET /captcha/challenge. */
export type CaptchaChallenge = Challenge;

export interface CaptchaOptions {
  db: Kysely<Database>;
  clock: Clock;
  /** The secret every node shares (config.secretKey); the two HMAC keys altcha-lib needs are derived from it. */
  hmacKey: string;
  /** Ceiling of the counter the browser must find (see DEFAULT_MAX_NUMBER); tests use a small one. */
  maxNumber?: number;
  /** How long a challenge may be solved and submitted; also how long its solution is remembered. */
  expiresMs?: number;
}

/** Issues challenges and checks solutions; one per process, shared by every flow that asks for a captcha. */
export interface Captcha {
  challenge(): Promise<CaptchaChallenge>;
  verify(payload: string | undefined): Promise<CaptchaVerdict>;
  /** Forgets used solutions whose challenges have expired anyway; returns how many. */
  purgeExpired(): Promise<number>;
}

const hex = (max: number) => z.string().max(max).regex(/^(?:[0-9a-f]{2})+$/);

// The exact shape our challenges have; anything else is refused before any crypto runs. Strict objects: an
// added parameter would fail the signature anyway, and refusing it here keeps verifySolution away from odd input.
const payloadSchema = z.object({
  challenge: z
    .object({
      parameters: z
        .object({
          algorithm: z.literal(CAPTCHA_ALGORITHM),
          nonce: hex(64),
          salt: hex(64),
          cost: z.number().int().min(1).max(1_000_000),
          keyLength: z.number().int().min(16).max(64),
          keyPrefix: hex(128),
          keySignature: hex(128),
          data: z.object({ expires: z.iso.datetime() }).strict(),
        })
        .strict(),
      signature: hex(128),
    })
    .strict(),
  solution: z
    .object({
      counter: z.number().int().min(0).max(0xffffffff),
      derivedKey: hex(128),
      time: z.number().optional(),
    })
    .strict(),
});

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Decodes the widget's base64 JSON into our payload shape, or undefined for anything that is not one. */
function parsePayload(payload: string): z.infer<typeof payloadSchema> | undefined {
  if (payload.length > MAX_PAYLOAD_CHARS || payload.length % 4 !== 0 || !BASE64.test(payload)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(payload, 'base64').toString('utf8'));
  } catch {
    return undefined;
  }
  const parsed = payloadSchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

/** A purpose-bound key from the shared secret, so the captcha's HMACs can never stand in for another feature's. */
function subKey(secret: string, purpose: string): string {
  return createHmac('sha256', secret).update(`member-area/captcha/${purpose}`).digest('hex');
}

/** Creates the captcha service (R10). */
export function createCaptcha(options: CaptchaOptions): Captcha {
  const { db, clock } = options;
  const maxNumber = options.maxNumber ?? DEFAULT_MAX_NUMBER;
  const expiresMs = options.expiresMs ?? DEFAULT_EXPIRES_MS;
  if (!options.hmacKey) throw new Error('captcha: hmacKey is required');
  if (!Number.isSafeInteger(maxNumber) || maxNumber < 1 || maxNumber > 10_000_000) throw new RangeError(`captcha: maxNumber out of range: ${maxNumber}`);
  if (!Number.isSafeInteger(expiresMs) || expiresMs < 1_000) throw new RangeError(`captcha: expiresMs out of range: ${expiresMs}`);
  const hmacSignatureSecret = subKey(options.hmacKey, 'challenge');
  const hmacKeySignatureSecret = subKey(options.hmacKey, 'derived-key');

  return {
    async challenge() {
      const expires = new Date(clock.now().getTime() + expiresMs);
      // Deterministic mode: we pick the counter, altcha-lib derives its key and signs it (keySignature), so
      // verifying costs one HMAC instead of re-running PBKDF2.
      return createChallenge({
        algorithm: CAPTCHA_ALGORITHM,
        cost: COST,
        counter: randomInt(Math.floor(maxNumber / 10), maxNumber + 1),
        deriveKey,
        hmacSignatureSecret,
        hmacKeySignatureSecret,
        // Our expiry, signed, read against the injected clock. Not altcha-lib's `expiresAt`: verifySolution
        // compares that with the real Date.now() (before even checking the signature), so under a ManualClock it
        // would call fresh challenges expired and old ones fresh; and the widget compares it with the browser's
        // clock, so a device whose clock is 10 minutes off would find every challenge expired on arrival (reproduced
        // in Chromium). The widget, told nothing, simply stays verified; an expired solution comes back 'expired'.
        data: { expires: expires.toISOString() },
      });
    },

    async verify(payload) {
      if (payload === undefined || payload.trim() === '') return 'missing';
      const parsed = parsePayload(payload.trim());
      if (!parsed) return 'invalid';
      const { parameters } = parsed.challenge;
      let verified = false;
      try {
        const result = await verifySolution({
          challenge: { parameters, signature: parsed.challenge.signature },
          solution: parsed.solution,
          deriveKey,
          hmacSignatureSecret,
          hmacKeySignatureSecret,
        });
        verified = result.verified;
      } catch {
        // altcha-lib throws on some malformed values; whatever it rejects is simply not a valid solution.
        verified = false;
      }
      if (!verified) return 'invalid';

      const expires = parameters.data.expires;
      if (Date.parse(expires) <= clock.now().getTime()) return 'expired';

      // Single use: the first insert of this challenge's hash wins, atomically on every node. ON CONFLICT DO
      // NOTHING rather than catching a unique violation, which on PostgreSQL would abort a caller's transaction.
      const challengeHash = createHash('sha256').update(parsed.challenge.signature).digest('hex');
      const inserted = await db
        .insertInto('captcha_solutions')
        .values({ challenge_hash: challengeHash, expires_at: new Date(expires).toISOString() })
        .onConflict((oc) => oc.column('challenge_hash').doNothing())
        .executeTakeFirst();
      return Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1 ? 'ok' : 'replayed';
    },

    async purgeExpired() {
      const result = await db.deleteFrom('captcha_solutions').where('expires_at', '<=', clock.now().toISOString()).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
