import { createHmac } from 'node:crypto';
import type {
  AuthenticationResponseJSON,
  AuthenticatorTransport,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { Kysely } from 'kysely';
import type { Database, Passkey } from '../infra/db/tables.js';
import { compiledQuery } from '../infra/db/compiled-query.js';

// R27: passkeys (WebAuthn), for members and staff, on @simplewebauthn/server. This module knows the relying party,
// builds the options a browser needs, checks what the authenticator answers, and keeps the credentials; the flows
// keep the challenges (in their stored flows: single use, bound to the browser, short-lived) and decide what a
// success opens. Nothing here is a secret: a credential row holds a public key (R29).

// The library and its ASN.1 and X.509 dependencies are loaded on the first ceremony, not at start: a node that never
// sees a passkey keeps about 10 MB less (PRODUCT §5's idle memory).
const load = () => Promise.all([import('@simplewebauthn/server'), import('@simplewebauthn/server/helpers')]);
let library: ReturnType<typeof load> | undefined;
const webauthn = () => (library ??= load());

export interface RelyingParty {
  /** The host members use (WebAuthn scopes a passkey to it). */
  id: string;
  name: string;
  /** The one origin a ceremony may come from. */
  origin: string;
}

export function relyingParty(publicUrl: string, name: string): RelyingParty {
  const url = new URL(publicUrl);
  return { id: url.hostname, name, origin: url.origin };
}

export type PasskeyOwner = { kind: 'member'; id: number } | { kind: 'staff'; id: number };

/** How long a browser has to answer a ceremony (the stored flow holding its challenge lives as long). */
export const CEREMONY_TIMEOUT_MS = 5 * 60_000;
/** A member or staff user keeps at most this many passkeys (a phone, a laptop, a key, spares). */
export const MAX_PASSKEYS = 10;
export const MAX_NAME_LENGTH = 60;
/** An authenticator's answer is a few hundred bytes to a few kilobytes; more is not one. */
const MAX_RESPONSE_LENGTH = 16_000;

const ownerColumn = (owner: PasskeyOwner) => (owner.kind === 'member' ? 'account_id' : 'staff_id');

export function listPasskeys(db: Kysely<Database>, owner: PasskeyOwner): Promise<Passkey[]> {
  return db
    .selectFrom('passkeys')
    .selectAll()
    .where(ownerColumn(owner), '=', owner.id)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

// Each page of a staff sign-in's second step asks whether to offer a passkey: compiled once. (A member's sign-in
// asks with its account read: findAccountWithPasskey in accounts.ts.)
const anyOfStaff = compiledQuery((db, p: { id: number }) =>
  db.selectFrom('passkeys').select('id').where('staff_id', '=', p.id).limit(1),
);

export async function staffHasPasskey(db: Kysely<Database>, staffId: number): Promise<boolean> {
  return (await anyOfStaff(db, { id: staffId })).length > 0;
}

export function findPasskey(db: Kysely<Database>, credentialId: string): Promise<Passkey | undefined> {
  return db.selectFrom('passkeys').selectAll().where('credential_id', '=', credentialId).executeTakeFirst();
}

/**
 * The user handle an authenticator stores with a passkey: derived from the owner with the server's key, so it is
 * stable (the same account keeps one handle), says nothing about the person, and needs no column.
 */
function userHandle(owner: PasskeyOwner, key: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(createHmac('sha256', key).update(`webauthn-user:${owner.kind}:${owner.id}`).digest());
}

/** A name a person gives a passkey: trimmed, one line, within the column; a default when empty. */
export function passkeyName(input: string, fallback: string): string {
  const name = input
    .replace(/[\p{Cc}\p{Cf}]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, MAX_NAME_LENGTH);
  return name || fallback;
}

/**
 * Options to create a passkey: discoverable (so it can sign in without a username) and with user verification
 * (a PIN or biometric: the passkey alone proves two factors); the owner's existing passkeys are excluded.
 */
export async function registrationOptions(
  rp: RelyingParty,
  owner: PasskeyOwner,
  userName: string,
  serverKey: string,
  existing: Passkey[],
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const [{ generateRegistrationOptions }] = await webauthn();
  return generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName,
    userID: userHandle(owner, serverKey),
    timeout: CEREMONY_TIMEOUT_MS,
    attestationType: 'none',
    excludeCredentials: existing.map((p) => ({ id: p.credential_id, transports: transportsOf(p) })),
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
  });
}

/** Options to sign in: with no list, any discoverable passkey of this site; with one, only those (a second step). */
export async function authenticationOptions(
  rp: RelyingParty,
  allow?: Passkey[],
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const [{ generateAuthenticationOptions }] = await webauthn();
  return generateAuthenticationOptions({
    rpID: rp.id,
    timeout: CEREMONY_TIMEOUT_MS,
    userVerification: allow ? 'preferred' : 'required',
    ...(allow ? { allowCredentials: allow.map((p) => ({ id: p.credential_id, transports: transportsOf(p) })) } : {}),
  });
}

function transportsOf(p: Passkey): AuthenticatorTransport[] {
  try {
    const list: unknown = JSON.parse(p.transports);
    return Array.isArray(list) ? (list.filter((t) => typeof t === 'string') as AuthenticatorTransport[]) : [];
  } catch {
    return [];
  }
}

/** What the browser posted (a JSON text in a form field), if it has the shape of a credential; never throws. */
export function parseCredential<T extends RegistrationResponseJSON | AuthenticationResponseJSON>(
  text: string,
): T | undefined {
  if (!text || text.length > MAX_RESPONSE_LENGTH) return undefined;
  try {
    const value = JSON.parse(text) as Partial<T> | null;
    if (
      !value ||
      typeof value !== 'object' ||
      typeof value.id !== 'string' ||
      typeof value.rawId !== 'string' ||
      value.type !== 'public-key'
    )
      return undefined;
    if (!value.response || typeof value.response !== 'object' || value.id.length > 1400) return undefined;
    return value as T;
  } catch {
    return undefined;
  }
}

export interface NewPasskey {
  credentialId: string;
  publicKey: string;
  counter: number;
  transports: string[];
  deviceType: string;
  backedUp: boolean;
}

/** Checks a new credential against the challenge this browser was given; undefined when it does not verify. */
export async function verifyNewPasskey(
  rp: RelyingParty,
  response: RegistrationResponseJSON,
  expectedChallenge: string,
): Promise<NewPasskey | undefined> {
  const [{ verifyRegistrationResponse }, { isoBase64URL }] = await webauthn();
  try {
    const result = await verifyRegistrationResponse({
      response,
      expectedChallenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: true,
    });
    if (!result.verified) return undefined;
    const { credential, credentialDeviceType, credentialBackedUp } = result.registrationInfo;
    return {
      credentialId: credential.id,
      publicKey: isoBase64URL.fromBuffer(credential.publicKey),
      counter: credential.counter,
      transports: (credential.transports ?? []).slice(0, 8),
      deviceType: credentialDeviceType,
      backedUp: credentialBackedUp,
    };
  } catch {
    return undefined;
  }
}

/**
 * Saves a verified credential for its owner. False when the owner already has the maximum, or when the credential
 * is registered already (to anyone: the unique index decides, so two tabs cannot save it twice).
 */
export async function savePasskey(
  db: Kysely<Database>,
  owner: PasskeyOwner,
  key: NewPasskey,
  name: string,
  now: string,
): Promise<boolean> {
  const count = await db
    .selectFrom('passkeys')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where(ownerColumn(owner), '=', owner.id)
    .executeTakeFirstOrThrow();
  if (Number(count.n) >= MAX_PASSKEYS) return false;
  const inserted = await db
    .insertInto('passkeys')
    .values({
      account_id: owner.kind === 'member' ? owner.id : null,
      staff_id: owner.kind === 'staff' ? owner.id : null,
      credential_id: key.credentialId,
      public_key: key.publicKey,
      counter: key.counter,
      transports: JSON.stringify(key.transports),
      name,
      device_type: key.deviceType,
      backed_up: key.backedUp ? 1 : 0,
      created_at: now,
      last_used_at: null,
    })
    .onConflict((oc) => oc.column('credential_id').doNothing())
    .executeTakeFirst();
  return Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1;
}

export type AssertionResult = { kind: 'ok' } | { kind: 'failed'; reason: 'invalid' | 'counter' | 'replayed' };

/**
 * Checks a sign-in answer from a known passkey against the challenge this browser was given, then records the new
 * signature counter. A counter that does not go up (a cloned authenticator, or a replay) is refused. The counter
 * moves by compare-and-set, so two answers racing with the same counter cannot both pass.
 */
export async function verifyPasskeyUse(
  db: Kysely<Database>,
  rp: RelyingParty,
  passkey: Passkey,
  response: AuthenticationResponseJSON,
  expectedChallenge: string,
  userVerification: boolean,
  now: string,
): Promise<AssertionResult> {
  const [{ verifyAuthenticationResponse }, { isoBase64URL }] = await webauthn();
  let newCounter: number;
  try {
    const result = await verifyAuthenticationResponse({
      response,
      expectedChallenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      credential: {
        id: passkey.credential_id,
        publicKey: isoBase64URL.toBuffer(passkey.public_key),
        counter: Number(passkey.counter),
        transports: transportsOf(passkey),
      },
      requireUserVerification: userVerification,
    });
    if (!result.verified) return { kind: 'failed', reason: 'invalid' };
    newCounter = result.authenticationInfo.newCounter;
  } catch (error) {
    return { kind: 'failed', reason: error instanceof Error && /counter/i.test(error.message) ? 'counter' : 'invalid' };
  }
  const moved = await db
    .updateTable('passkeys')
    .set({ counter: newCounter, last_used_at: now })
    .where('id', '=', passkey.id)
    .where('counter', '=', Number(passkey.counter))
    .executeTakeFirst();
  return Number(moved.numUpdatedRows) === 1 ? { kind: 'ok' } : { kind: 'failed', reason: 'replayed' };
}

export async function renamePasskey(
  db: Kysely<Database>,
  owner: PasskeyOwner,
  id: number,
  name: string,
): Promise<boolean> {
  const done = await db
    .updateTable('passkeys')
    .set({ name })
    .where('id', '=', id)
    .where(ownerColumn(owner), '=', owner.id)
    .executeTakeFirst();
  return Number(done.numUpdatedRows) === 1;
}

/** Removes one of the owner's passkeys; the row is returned so the caller can say which one went. */
export async function removePasskey(
  db: Kysely<Database>,
  owner: PasskeyOwner,
  id: number,
): Promise<Passkey | undefined> {
  const row = await db
    .selectFrom('passkeys')
    .selectAll()
    .where('id', '=', id)
    .where(ownerColumn(owner), '=', owner.id)
    .executeTakeFirst();
  if (!row) return undefined;
  const done = await db.deleteFrom('passkeys').where('id', '=', row.id).executeTakeFirst();
  return Number(done.numDeletedRows) === 1 ? row : undefined;
}

/** Removes those of `ids` that are the owner's passkeys (another owner's ids remove nothing); how many went. */
export async function removePasskeys(
  db: Kysely<Database>,
  owner: PasskeyOwner,
  ids: readonly number[],
): Promise<number> {
  if (ids.length === 0) return 0;
  const done = await db
    .deleteFrom('passkeys')
    .where(ownerColumn(owner), '=', owner.id)
    .where('id', 'in', [...ids])
    .executeTakeFirst();
  return Number(done.numDeletedRows);
}
