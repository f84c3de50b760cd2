import { Inject, Injectable, Logger } from '@nestjs/common';
import type { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { PeriodicJob } from '../common/periodic-job';
import { jwtConfig, type JwtConfig } from '../config/config';
import { MAX_JWT_TTL_MS } from '../config/settings';
import { SecretBox } from '../crypto/secret-box';
import {
  type NewSigningKey,
  type SigningKeyRow,
  SigningKeysRepository,
} from './signing-keys.repository';

/** The members of a public JWK that go out in the set: never `d` (nor anything else private). */
const PUBLIC_MEMBERS = ['kty', 'crv', 'x', 'y'] as const;

export interface PublicJwk {
  kid: string;
  alg: string;
  use: 'sig';
  kty: string;
  crv: string;
  x: string;
  y?: string;
}

export interface SigningKey {
  kid: string;
  alg: string;
  key: CryptoKey;
}

/**
 * A retired key is published this much longer than the tokens it signed can live: a token signed
 * by an instance that read the key just before another retired it expires a moment after.
 */
const RETIRED_GRACE_MS = 5_000;

/**
 * The current key's row is read again at most this often, so minting a JWT costs no query of its
 * own. Shorter than RETIRED_GRACE_MS: a key another instance retired meanwhile stays published
 * for longer than the tokens this instance still signs with it can live.
 */
const CURRENT_KEY_CACHE_MS = 1_000;

/**
 * The keys that sign JWTs: made here (never configured), the private part sealed under
 * ENCRYPTION_KEY in the database, so every instance signs with the one current key. A key is
 * replaced when it is JWT_KEY_ROTATION old (checked by every instance, acted on by one), when
 * JWT_ALG names another algorithm, and by `npm run cli -- jwt-rotate`.
 */
@Injectable()
export class SigningKeysService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(SigningKeysService.name);
  private readonly job = new PeriodicJob(this.logger, 'JWT key rotation', () => this.rotateIfDue());
  /** Opened private keys by kid: unsealing and importing is done once per key and instance. */
  private readonly opened = new Map<string, Promise<CryptoKey>>();
  private currentRow?: { row: SigningKeyRow; until: number };

  constructor(
    private readonly keys: SigningKeysRepository,
    private readonly box: SecretBox,
    @Inject(jwtConfig.KEY) private readonly config: JwtConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // Not a reason to refuse the start (migrations may be pending, the database away): the first
    // JWT or the periodic job makes the key then.
    await this.ensureCurrent().catch((e: unknown) =>
      this.logger.warn({ msg: 'no JWT signing key yet; made on first use', err: String(e) }),
    );
    // Timers cannot wait 30 days (Node caps a delay at about 24.8), and a restart would start
    // the wait over: check the key's age often instead, against the database's clock.
    this.job.start({
      everyMs: Math.min(Math.max(Math.floor(this.config.keyRotationMs / 4), 250), 600_000),
    });
  }

  // Before the data source closes (it closes in onApplicationShutdown): a check in flight ends first.
  beforeApplicationShutdown(): Promise<void> {
    return this.job.stop();
  }

  /** The key to sign with now: the current one in the database, shared by every instance. */
  async current(): Promise<SigningKey> {
    const now = Date.now();
    let row = this.currentRow && this.currentRow.until > now ? this.currentRow.row : undefined;
    if (!row) {
      row = (await this.keys.current()) ?? (await this.ensureCurrent());
      this.currentRow = { row, until: now + CURRENT_KEY_CACHE_MS };
    }
    let key = this.opened.get(row.kid);
    if (!key) {
      key = this.open(row.kid, row.alg, row.sealedPrivateJwk);
      key.catch(() => this.opened.delete(row.kid));
      this.opened.set(row.kid, key);
    }
    return { kid: row.kid, alg: row.alg, key: await key };
  }

  /** The public keys a verifier needs: the current one and those retired recently enough. */
  async publicKeys(): Promise<PublicJwk[]> {
    const rows = await this.keys.published(this.config.ttlMs + RETIRED_GRACE_MS);
    return rows.map((row) => {
      const jwk = JSON.parse(row.publicJwk) as Record<string, string>;
      const out: Record<string, string> = { kid: row.kid, alg: row.alg, use: 'sig' };
      for (const member of PUBLIC_MEMBERS) if (jwk[member] !== undefined) out[member] = jwk[member];
      return out as unknown as PublicJwk;
    });
  }

  /** Retires the current key now and signs with a new one (the CLI's jwt-rotate). */
  async rotate(): Promise<{ kid: string; retired?: string }> {
    const fresh = await this.make();
    const { retired } = await this.keys.replaceCurrent(fresh, {});
    if (!retired) await this.keys.insertCurrent(fresh);
    this.currentRow = undefined;
    const now = await this.keys.current();
    this.logger.log({ msg: 'JWT signing key rotated', kid: now?.kid, retired });
    return { kid: now!.kid, retired };
  }

  /**
   * One pass of the periodic job: a new key when the current one is JWT_KEY_ROTATION old or of
   * another algorithm than JWT_ALG (the database decides, by its clock, with one winner), and keys
   * no token can need any more deleted.
   */
  async rotateIfDue(): Promise<void> {
    await this.replaceIfDue();
    // Whatever JWT_TTL any instance has, no token lives longer than the maximum.
    await this.keys.deleteRetired(MAX_JWT_TTL_MS + RETIRED_GRACE_MS);
    for (const kid of [...this.opened.keys()]) {
      if (!(await this.keys.find(kid))) this.opened.delete(kid);
    }
  }

  private async replaceIfDue(): Promise<void> {
    const fresh = await this.make();
    const { retired } = await this.keys.replaceCurrent(fresh, {
      olderThanMs: this.config.keyRotationMs,
      alg: this.config.alg,
    });
    if (retired) this.currentRow = undefined;
    if (retired) this.logger.log({ msg: 'JWT signing key rotated', kid: fresh.kid, retired });
  }

  /** The current key, made when there is none (the first start; one instance's key wins). */
  private async ensureCurrent() {
    const existing = await this.keys.current();
    if (existing) {
      if (existing.alg === this.config.alg) return existing;
      await this.replaceIfDue();
      return (await this.keys.current())!;
    }
    const fresh = await this.make();
    if (await this.keys.insertCurrent(fresh)) {
      this.logger.log({ msg: 'JWT signing key made', kid: fresh.kid, alg: fresh.alg });
    }
    const row = await this.keys.current();
    if (!row) throw new Error('no current JWT signing key after making one');
    return row;
  }

  private async make(): Promise<NewSigningKey> {
    const alg = this.config.alg;
    const pair = await generateKeyPair(alg, {
      extractable: true,
      ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}),
    });
    const publicJwk = await exportJWK(pair.publicKey);
    const privateJwk = await exportJWK(pair.privateKey);
    // RFC 7638: the key's own fingerprint names it, so a kid never points at two keys.
    const kid = await calculateJwkThumbprint(publicJwk, 'sha256');
    return {
      kid,
      alg,
      publicJwk: JSON.stringify(publicJwk),
      sealedPrivateJwk: this.box.seal(JSON.stringify(privateJwk), `jwt-key:${kid}`),
    };
  }

  private async open(kid: string, alg: string, sealed: string): Promise<CryptoKey> {
    const jwk = JSON.parse(this.box.open(sealed, `jwt-key:${kid}`)) as JWK;
    return (await importJWK(jwk, alg)) as CryptoKey;
  }
}
