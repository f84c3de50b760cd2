import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { Role } from '../common/auth-user';

@Entity('users')
export class User {
  /** bigint comes back from the driver as a string. */
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  /** Always lower-case (a CHECK in the schema), so equality is case-insensitive. */
  @Column({ type: 'varchar', length: 254 })
  email: string;

  @Column({ type: 'varchar', length: 100, nullable: true })
  name: string | null;

  @Column({ type: 'varchar', length: 100, nullable: true })
  surname: string | null;

  @Column({ type: 'varchar', length: 10, default: 'user' })
  role: Role;

  @Column({ name: 'is_active', default: true })
  isActive: boolean;

  @Column({ name: 'is_confirmed', default: false })
  isConfirmed: boolean;

  @Column({ name: 'blocked_until', type: 'timestamptz', nullable: true })
  blockedUntil: Date | null;

  @Column({ name: 'block_reason', type: 'varchar', length: 500, nullable: true })
  blockReason: string | null;

  @Column({ name: 'password_hash', type: 'varchar', length: 255, nullable: true, select: false })
  passwordHash: string | null;

  /** Language of the user's mail and pages (`en`, `ru`, ...); see the mail module's locales. */
  @Column({ type: 'varchar', length: 16, default: 'en' })
  locale: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;

  @Column({ name: 'last_login_at', type: 'timestamptz', nullable: true })
  lastLoginAt: Date | null;
}
