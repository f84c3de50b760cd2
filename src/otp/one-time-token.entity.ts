import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type OtpKind = 'code' | 'link';

/** A code or link token, stored only as a keyed hash; bound to one address and one purpose. */
@Entity('one_time_tokens')
export class OneTimeToken {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ name: 'user_id', type: 'bigint', nullable: true })
  userId: string | null;

  @Column({ type: 'varchar', length: 254 })
  email: string;

  @Column({ type: 'varchar', length: 32 })
  purpose: string;

  @Column({ type: 'varchar', length: 8 })
  kind: OtpKind;

  @Column({ name: 'token_hash', type: 'char', length: 64 })
  tokenHash: string;

  /** Per-code salt (codes have only 10^6 values); links are 256-bit and need none. */
  @Column({ type: 'char', length: 32, nullable: true })
  salt: string | null;

  @Column({ type: 'integer', default: 0 })
  attempts: number;

  @Column({ type: 'jsonb', nullable: true })
  payload: Record<string, unknown> | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'consumed_at', type: 'timestamptz', nullable: true })
  consumedAt: Date | null;
}
