import {
  createHash,
  createSign,
  generateKeyPairSync,
  randomBytes,
  type KeyObject,
} from 'node:crypto';

/**
 * A software WebAuthn authenticator for the tests and the bench: P-256 keys from node:crypto,
 * "none" attestation, resident (discoverable) credentials, and the CBOR it needs written by hand.
 * It answers the server's options JSON the way a browser's navigator.credentials would, as the
 * RegistrationResponseJSON / AuthenticationResponseJSON the server takes.
 */

// CBOR (RFC 8949): only what attestation objects and COSE keys use.
type Cbor = number | string | Uint8Array | Map<Cbor, Cbor> | { [k: string]: Cbor };

function head(major: number, n: number): Buffer {
  if (n < 24) return Buffer.from([(major << 5) | n]);
  if (n < 0x100) return Buffer.from([(major << 5) | 24, n]);
  if (n < 0x10000) {
    const b = Buffer.alloc(3);
    b[0] = (major << 5) | 25;
    b.writeUInt16BE(n, 1);
    return b;
  }
  const b = Buffer.alloc(5);
  b[0] = (major << 5) | 26;
  b.writeUInt32BE(n, 1);
  return b;
}

export function cbor(v: Cbor): Buffer {
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new Error('cbor: integers only');
    return v >= 0 ? head(0, v) : head(1, -1 - v);
  }
  if (typeof v === 'string') {
    const bytes = Buffer.from(v, 'utf8');
    return Buffer.concat([head(3, bytes.length), bytes]);
  }
  if (v instanceof Uint8Array) return Buffer.concat([head(2, v.length), Buffer.from(v)]);
  const entries = v instanceof Map ? [...v.entries()] : Object.entries(v);
  return Buffer.concat([
    head(5, entries.length),
    ...entries.flatMap(([k, x]) => [cbor(k), cbor(x)]),
  ]);
}

const b64url = (b: Uint8Array) => Buffer.from(b).toString('base64url');
const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest();

export interface SoftCredential {
  id: Buffer;
  rpId: string;
  userHandle: Buffer;
  privateKey: KeyObject;
  cosePublicKey: Buffer;
  counter: number;
}

export interface AuthenticatorOptions {
  /** The origin the "browser" puts in clientDataJSON. */
  origin: string;
  /** Whether the authenticator verifies the user (PIN, biometrics): the UV flag. */
  userVerification?: boolean;
  /** How much the signature counter grows per use; 0: a synced passkey that keeps it at 0. */
  counterStep?: number;
  /** Backup eligible and backed up (a synced passkey): the BE and BS flags. */
  backedUp?: boolean;
}

export class SoftAuthenticator {
  readonly credentials: SoftCredential[] = [];

  constructor(readonly opts: AuthenticatorOptions) {}

  /** navigator.credentials.create(): answers creation options with a new resident credential. */
  create(
    options: {
      challenge: string;
      rp: { id?: string };
      user: { id: string };
      excludeCredentials?: { id: string }[];
    },
    over: { origin?: string; reuse?: SoftCredential } = {},
  ) {
    const rpId = options.rp.id!;
    const excluded = new Set((options.excludeCredentials ?? []).map((c) => c.id));
    // `reuse` plays an authenticator that ignores excludeCredentials and sends a known credential.
    if (
      !over.reuse &&
      this.credentials.some((c) => c.rpId === rpId && excluded.has(b64url(c.id)))
    ) {
      throw new Error(
        'InvalidStateError: a credential of excludeCredentials is on this authenticator',
      );
    }
    let cred = over.reuse;
    if (!cred) {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const jwk = publicKey.export({ format: 'jwk' });
      const cosePublicKey = cbor(
        new Map<Cbor, Cbor>([
          [1, 2], // kty: EC2
          [3, -7], // alg: ES256
          [-1, 1], // crv: P-256
          [-2, Buffer.from(jwk.x!, 'base64url')],
          [-3, Buffer.from(jwk.y!, 'base64url')],
        ]),
      );
      cred = {
        id: randomBytes(32),
        rpId,
        userHandle: Buffer.from(options.user.id, 'base64url'),
        privateKey,
        cosePublicKey,
        counter: 0,
      };
      this.credentials.push(cred);
    }
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(cred.id.length);
    const authData = Buffer.concat([
      this.authDataHead(rpId, 0x40, cred.counter),
      Buffer.alloc(16), // AAGUID: none
      idLength,
      cred.id,
      cred.cosePublicKey,
    ]);
    const clientDataJSON = this.clientData('webauthn.create', options.challenge, over.origin);
    const attestationObject = cbor({ fmt: 'none', attStmt: {}, authData });
    return {
      id: b64url(cred.id),
      rawId: b64url(cred.id),
      type: 'public-key' as const,
      authenticatorAttachment: 'platform' as const,
      clientExtensionResults: {},
      response: {
        clientDataJSON: b64url(clientDataJSON),
        attestationObject: b64url(attestationObject),
        transports: ['internal'],
      },
    };
  }

  /**
   * navigator.credentials.get(): signs the challenge with a credential of the RP (one of
   * `allowCredentials` when it lists any). `counter` forces the signature counter.
   */
  get(
    options: { challenge: string; rpId?: string; allowCredentials?: { id: string }[] },
    over: { origin?: string; credential?: SoftCredential; counter?: number; uv?: boolean } = {},
  ) {
    const rpId = options.rpId!;
    const allowed = new Set((options.allowCredentials ?? []).map((c) => c.id));
    const cred =
      over.credential ??
      this.credentials.find(
        (c) => c.rpId === rpId && (allowed.size === 0 || allowed.has(b64url(c.id))),
      );
    if (!cred) throw new Error('NotAllowedError: no credential for this RP');
    cred.counter = over.counter ?? cred.counter + (this.opts.counterStep ?? 1);
    const authData = this.authDataHead(rpId, 0, cred.counter, over.uv);
    const clientDataJSON = this.clientData('webauthn.get', options.challenge, over.origin);
    const signature = createSign('sha256')
      .update(Buffer.concat([authData, sha256(clientDataJSON)]))
      .sign(cred.privateKey);
    return {
      id: b64url(cred.id),
      rawId: b64url(cred.id),
      type: 'public-key' as const,
      authenticatorAttachment: 'platform' as const,
      clientExtensionResults: {},
      response: {
        clientDataJSON: b64url(clientDataJSON),
        authenticatorData: b64url(authData),
        signature: b64url(signature),
        userHandle: b64url(cred.userHandle),
      },
    };
  }

  private authDataHead(rpId: string, extraFlags: number, counter: number, uv?: boolean): Buffer {
    let flags = 0x01 | extraFlags; // UP
    if (uv ?? this.opts.userVerification ?? true) flags |= 0x04;
    if (this.opts.backedUp) flags |= 0x08 | 0x10;
    const count = Buffer.alloc(4);
    count.writeUInt32BE(counter);
    return Buffer.concat([sha256(rpId), Buffer.from([flags]), count]);
  }

  private clientData(type: string, challenge: string, origin?: string): Buffer {
    return Buffer.from(
      JSON.stringify({ type, challenge, origin: origin ?? this.opts.origin, crossOrigin: false }),
    );
  }
}
