import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The single-use code a provider sign-in hands back to the app (only its hash is kept). */
@Entity('oauth_codes')
export class OAuthCode {
  @PrimaryColumn({ name: 'code_hash', type: 'char', length: 64 })
  codeHash: string;

  @Column({ name: 'user_id', type: 'bigint' })
  userId: string;

  @Column({ type: 'varchar', length: 32 })
  provider: string;

  /** The app's PKCE challenge (S256): the code is redeemed only with its `code_verifier`. */
  @Column({ name: 'code_challenge', type: 'varchar', length: 128 })
  codeChallenge: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'used_at', type: 'timestamptz', nullable: true })
  usedAt: Date | null;
}
