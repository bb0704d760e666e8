import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { isoCBOR } from '@simplewebauthn/server/helpers';

// A software WebAuthn authenticator (R27) for tests that speak HTTP and for the bench: it makes P-256 (ES256)
// credentials with "none" attestation and signs assertions the way a platform authenticator does (user present and
// verified, a counter that goes up). Browser tests use Chromium's own virtual authenticator instead; this one lets
// a test or a bench client run thousands of ceremonies, or forge the answers an attacker would send.

type Cbor = Parameters<typeof isoCBOR.encode>[0];
const b64url = (bytes: Uint8Array | Buffer) => Buffer.from(bytes).toString('base64url');
const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest();

/** Authenticator-data flags: user present, user verified, attested credential data included. */
const UP = 0x01;
const UV = 0x04;
const AT = 0x40;

export interface SoftCredential {
  id: string;
  rpId: string;
  userHandle: string;
  privateKey: KeyObject;
  counter: number;
}

/** The COSE_Key of a P-256 public key (RFC 9053), as an authenticator puts it in its attested credential data. */
function coseKey(publicKey: KeyObject): Uint8Array {
  const jwk = publicKey.export({ format: 'jwk' });
  return isoCBOR.encode(
    new Map<number, number | Uint8Array>([
      [1, 2], // kty: EC2
      [3, -7], // alg: ES256
      [-1, 1], // crv: P-256
      [-2, new Uint8Array(Buffer.from(jwk.x!, 'base64url'))],
      [-3, new Uint8Array(Buffer.from(jwk.y!, 'base64url'))],
    ]),
  );
}

function counterBytes(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

export class SoftAuthenticator {
  readonly credentials: SoftCredential[] = [];

  constructor(
    private readonly origin: string,
    private readonly options: { userVerified?: boolean } = {},
  ) {}

  private flags(extra = 0): number {
    return UP | (this.options.userVerified === false ? 0 : UV) | extra;
  }

  /** A new credential held here, with its COSE public key: what a database row of it keeps (bench seeding). */
  register(rpId: string, userHandle: string): { credential: SoftCredential; publicKeyCose: Uint8Array } {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const credential: SoftCredential = { id: b64url(randomBytes(16)), rpId, userHandle, privateKey, counter: 0 };
    this.credentials.push(credential);
    return { credential, publicKeyCose: coseKey(publicKey) };
  }

  /** navigator.credentials.create(): a new discoverable credential for the relying party in the options. */
  create(options: PublicKeyCredentialCreationOptionsJSON): RegistrationResponseJSON {
    const rpId = options.rp.id ?? new URL(this.origin).hostname;
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const id = randomBytes(16);
    const cose = coseKey(publicKey);
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(id.length);
    const authData = Buffer.concat([
      sha256(rpId),
      Buffer.from([this.flags(AT)]),
      counterBytes(0),
      Buffer.alloc(16),
      idLength,
      id,
      Buffer.from(cose),
    ]);
    const clientDataJSON = Buffer.from(
      JSON.stringify({
        type: 'webauthn.create',
        challenge: options.challenge,
        origin: this.origin,
        crossOrigin: false,
      }),
    );
    const attestation: [string, Cbor][] = [
      ['fmt', 'none'],
      ['attStmt', new Map() as Cbor],
      ['authData', new Uint8Array(authData)],
    ];
    const attestationObject = isoCBOR.encode(new Map(attestation));
    this.credentials.push({ id: b64url(id), rpId, userHandle: options.user.id, privateKey, counter: 0 });
    return {
      id: b64url(id),
      rawId: b64url(id),
      type: 'public-key',
      response: {
        clientDataJSON: b64url(clientDataJSON),
        attestationObject: b64url(attestationObject),
        transports: ['internal'],
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }

  /** navigator.credentials.get(): an assertion by `credential` (default: the first allowed, or the first held). */
  get(
    options: PublicKeyCredentialRequestOptionsJSON,
    credential?: SoftCredential,
    tamper: { counter?: number; challenge?: string; origin?: string } = {},
  ): AuthenticationResponseJSON {
    const allowed = options.allowCredentials?.map((c) => c.id);
    const cred = credential ?? this.credentials.find((c) => !allowed || allowed.includes(c.id));
    if (!cred) throw new Error('the soft authenticator holds no credential for these options');
    cred.counter = tamper.counter ?? cred.counter + 1;
    const authData = Buffer.concat([
      sha256(options.rpId ?? cred.rpId),
      Buffer.from([this.flags()]),
      counterBytes(cred.counter),
    ]);
    const clientDataJSON = Buffer.from(
      JSON.stringify({
        type: 'webauthn.get',
        challenge: tamper.challenge ?? options.challenge,
        origin: tamper.origin ?? this.origin,
        crossOrigin: false,
      }),
    );
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientDataJSON)]), cred.privateKey);
    return {
      id: cred.id,
      rawId: cred.id,
      type: 'public-key',
      response: {
        clientDataJSON: b64url(clientDataJSON),
        authenticatorData: b64url(authData),
        signature: b64url(signature),
        userHandle: cred.userHandle,
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }
}
