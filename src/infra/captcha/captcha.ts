import { createHash, createHmac, randomBytes, randomInt } from 'node:crypto';
import { createChallenge, verifySolution, type Challenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/pbkdf2';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Clock } from '../../clock.js';
import type { Database } from '../db/tables.js';
import { safeEqual } from '../crypto/tokens.js';
import { addressKey, bucket, take } from '../rate-limit/rate-limit.js';

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

/** What verify() concluded; flows show each with its own text (captchaErrorCode) and audit the reason (R22). */
export type CaptchaVerdict = 'ok' | 'missing' | 'invalid' | 'expired' | 'replayed' | 'too_soon' | 'limited';

/** The field error code a form shows for a refused captcha. */
export function captchaErrorCode(
  verdict: Exclude<CaptchaVerdict, 'ok'>,
): 'captcha_missing' | 'captcha_invalid' | 'captcha_wait' | 'captcha_limited' {
  return verdict === 'missing'
    ? 'captcha_missing'
    : verdict === 'too_soon'
      ? 'captcha_wait'
      : verdict === 'limited'
        ? 'captcha_limited'
        : 'captcha_invalid';
}

// R21 (issue 16): the no-script path. A browser without JavaScript (a text-mode browser, scripts turned off, an old
// one) cannot run the proof of work, so the form carries, inside <noscript>, a token the server signed when it drew
// the page. It proves nothing about the client but time: it is accepted only after NOSCRIPT_MIN_WAIT_MS, once, and
// from one client address at most NOSCRIPT_PER_ADDRESS_PER_HOUR times an hour (its /64 for IPv6), whatever the
// flow. Those limits, on top of each flow's own (R6, R9, R11), keep the path slow and scarce for a script while a
// person reading the page hardly notices the wait.
export const NOSCRIPT_MIN_WAIT_MS = 5_000;
export const NOSCRIPT_PER_ADDRESS_PER_HOUR = 5;
const NOSCRIPT_PREFIX = 'ns1';

/** A no-script captcha token for a page drawn now: `ns1.<issued ms>.<nonce>.<hmac>`. */
export function noScriptToken(secret: string, now: Date): string {
  const body = `${now.getTime()}.${randomBytes(12).toString('hex')}`;
  return `${NOSCRIPT_PREFIX}.${body}.${createHmac('sha256', subKey(secret, 'noscript')).update(body).digest('hex')}`;
}

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
  /** A widget's solution, or a no-script token (counted against `ip`, the client address). */
  verify(payload: string | undefined, ip: string): Promise<CaptchaVerdict>;
  /** Forgets used solutions whose challenges have expired anyway; returns how many. */
  purgeExpired(): Promise<number>;
}

const hex = (max: number) =>
  z
    .string()
    .max(max)
    .regex(/^(?:[0-9a-f]{2})+$/);

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
  if (!Number.isSafeInteger(maxNumber) || maxNumber < 1 || maxNumber > 10_000_000)
    throw new RangeError(`captcha: maxNumber out of range: ${maxNumber}`);
  if (!Number.isSafeInteger(expiresMs) || expiresMs < 1_000)
    throw new RangeError(`captcha: expiresMs out of range: ${expiresMs}`);
  const hmacSignatureSecret = subKey(options.hmacKey, 'challenge');
  const hmacKeySignatureSecret = subKey(options.hmacKey, 'derived-key');
  const noScriptKey = subKey(options.hmacKey, 'noscript');

  /** The first use of a value whose hash is `hash`, atomically on every node (captcha_solutions). */
  const firstUse = async (hash: string, expires: string): Promise<boolean> => {
    // ON CONFLICT DO NOTHING rather than catching a unique violation, which on PostgreSQL would abort a caller's
    // transaction.
    const inserted = await db
      .insertInto('captcha_solutions')
      .values({ challenge_hash: hash, expires_at: expires })
      .onConflict((oc) => oc.column('challenge_hash').doNothing())
      .executeTakeFirst();
    return Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1;
  };

  async function verifyNoScript(token: string, ip: string): Promise<CaptchaVerdict> {
    const m = /^ns1\.(\d{1,15})\.([0-9a-f]{24})\.([0-9a-f]{64})$/.exec(token);
    if (!m) return 'invalid';
    const body = `${m[1]}.${m[2]}`;
    if (!safeEqual(m[3]!, createHmac('sha256', noScriptKey).update(body).digest('hex'))) return 'invalid';
    const issued = Number(m[1]);
    const now = clock.now().getTime();
    if (now - issued < NOSCRIPT_MIN_WAIT_MS) return 'too_soon';
    if (issued + expiresMs <= now) return 'expired';
    // Counted first (R9), kept whatever follows: a refused or replayed token still spends one of the address's uses.
    const used = await take(db, clock, bucket('captcha-noscript-ip', addressKey(ip)), 3_600_000);
    if (used.count > NOSCRIPT_PER_ADDRESS_PER_HOUR) return 'limited';
    return (await firstUse(
      createHash('sha256').update(token).digest('hex'),
      new Date(issued + expiresMs).toISOString(),
    ))
      ? 'ok'
      : 'replayed';
  }

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

    async verify(payload, ip) {
      if (payload === undefined || payload.trim() === '') return 'missing';
      if (payload.startsWith(`${NOSCRIPT_PREFIX}.`)) return verifyNoScript(payload.trim(), ip);
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

      // Single use: the first insert of this challenge's hash wins, atomically on every node.
      const challengeHash = createHash('sha256').update(parsed.challenge.signature).digest('hex');
      return (await firstUse(challengeHash, new Date(expires).toISOString())) ? 'ok' : 'replayed';
    },

    async purgeExpired() {
      const result = await db
        .deleteFrom('captcha_solutions')
        .where('expires_at', '<=', clock.now().toISOString())
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
