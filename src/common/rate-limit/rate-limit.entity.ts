import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity('rate_limits')
export class RateLimit {
  @PrimaryColumn({ type: 'varchar', length: 300 })
  key: string;

  @Column({ type: 'integer', default: 0 })
  hits: number;

  @Column({ name: 'window_started_at', type: 'timestamptz' })
  windowStartedAt: Date;

  @Column({ name: 'locked_until', type: 'timestamptz', nullable: true })
  lockedUntil: Date | null;

  /** Attempts reserved and not yet settled (see RateLimitService.reserve). */
  @Column({ name: 'in_flight', type: 'integer', default: 0 })
  inFlight: number;

  /** Past this, the reservations are stale (their process died) and count as none. */
  @Column({ name: 'in_flight_until', type: 'timestamptz', nullable: true })
  inFlightUntil: Date | null;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
