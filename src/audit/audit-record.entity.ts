import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One recorded action. Append-only: never updated, deleted only by the retention job. */
@Entity('audit_log')
export class AuditRecord {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  at: Date;

  @Column({ type: 'varchar', length: 64 })
  action: string;

  /** `success`, or the error code of the answer (`invalid_credentials`, `access_denied`, ...). */
  @Column({ type: 'varchar', length: 64 })
  outcome: string;

  @Column({ name: 'actor_id', type: 'bigint', nullable: true })
  actorId: string | null;

  @Column({ name: 'actor_email', type: 'varchar', length: 254, nullable: true })
  actorEmail: string | null;

  @Column({ name: 'target_id', type: 'bigint', nullable: true })
  targetId: string | null;

  @Column({ name: 'target_email', type: 'varchar', length: 254, nullable: true })
  targetEmail: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  ip: string | null;

  @Column({ name: 'user_agent', type: 'varchar', length: 512, nullable: true })
  userAgent: string | null;

  @Column({ name: 'request_id', type: 'varchar', length: 64, nullable: true })
  requestId: string | null;

  @Column({ name: 'client_request_id', type: 'varchar', length: 64, nullable: true })
  clientRequestId: string | null;

  @Column({ type: 'jsonb', default: {} })
  details: Record<string, unknown>;
}
