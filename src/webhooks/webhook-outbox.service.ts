import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager, EntitySubscriberInterface, QueryRunner } from 'typeorm';
import { AuditService, WrittenAuditRecord } from '../audit/audit.service';
import { ChangeEvents } from '../events/change-events.service';
import { UserResponseDto } from '../users/dto/user-response.dto';
import { UsersService } from '../users/users.service';
import { EVENT_OF_ACTION, WebhookEventType, WebhookPayload } from './webhook-events';
import { WebhooksRepository } from './webhooks.repository';

/** The sessions a transaction ended so far (its audit record only counts them). */
const endedByRunner = new WeakMap<QueryRunner, string[]>();
/** Transactions that wrote events: the worker is woken when they commit. */
const wroteEvents = new WeakSet<QueryRunner>();

/**
 * The outbox: turns the audit record of a change into a webhook event and one delivery per
 * subscribed endpoint, in the change's own transaction (AuditService runs this hook there), so a
 * rolled-back change sends nothing and a committed one survives any crash. When that transaction
 * commits the worker of this instance is woken; other instances find the rows at their next poll.
 */
@Injectable()
export class WebhookOutbox implements OnModuleInit {
  private wake: () => void = () => undefined;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly audit: AuditService,
    private readonly changes: ChangeEvents,
    private readonly users: UsersService,
    private readonly repo: WebhooksRepository,
  ) {}

  onModuleInit(): void {
    this.audit.addWriteHook({
      wants: (action, outcome) => outcome === 'success' && action in EVENT_OF_ACTION,
      written: (record, m) => this.recorded(record, m),
    });
    this.changes.onChangeInTransaction((m, e) => {
      const runner = m.queryRunner;
      if (e.type !== 'revoke' || !runner) return;
      endedByRunner.set(runner, [...(endedByRunner.get(runner) ?? []), e.session_id]);
    });
    const subscriber: EntitySubscriberInterface = {
      afterTransactionCommit: ({ queryRunner }) => {
        // A nested transaction's commit only releases a savepoint: wait for the outer one.
        if (queryRunner.isTransactionActive) return;
        endedByRunner.delete(queryRunner);
        if (wroteEvents.delete(queryRunner)) this.wake();
      },
      afterTransactionRollback: ({ queryRunner }) => {
        if (queryRunner.isTransactionActive) return;
        endedByRunner.delete(queryRunner);
        wroteEvents.delete(queryRunner);
      },
    };
    this.db.subscribers.push(subscriber);
  }

  /** Called after each commit that wrote events (the delivery worker). */
  onCommitted(wake: () => void): void {
    this.wake = wake;
  }

  private async recorded(record: WrittenAuditRecord, m: EntityManager): Promise<void> {
    const runner = m.queryRunner;
    const ended = (runner && endedByRunner.get(runner)) ?? [];
    if (runner) endedByRunner.delete(runner);
    const types: WebhookEventType[] = [];
    const main = EVENT_OF_ACTION[record.action];
    const single = record.details.session_id;
    const revoked = ended.length ? ended : typeof single === 'string' ? [single] : [];
    if (record.action === 'register' && (record.details.account_exists || !record.targetId)) {
      // A sign-up of an address that has an account changes nothing.
    } else if (main !== 'session.revoked' || revoked.length) types.push(main);
    // An emailed sign-in code proves the mailbox: the address is confirmed by that sign-in.
    if (record.action === 'login' && record.details.address_confirmed) types.push('user.confirmed');
    // Whatever else the change did, the sessions it ended are reported once, with their ids.
    if (main !== 'session.revoked' && ended.length) types.push('session.revoked');

    for (const type of types) {
      const endpoints =
        type === 'webhook.test'
          ? [String(record.details.webhook_id)]
          : await this.repo.endpointsFor(m, type);
      if (!endpoints.length) continue;
      const payload = await this.payload(type, record, revoked, m);
      await this.repo.addEvent(
        m,
        { id: randomUUID(), type, payload: JSON.stringify(payload) },
        endpoints,
      );
      if (runner) wroteEvents.add(runner);
    }
  }

  private async payload(
    type: WebhookEventType,
    record: WrittenAuditRecord,
    revoked: string[],
    m: EntityManager,
  ): Promise<WebhookPayload> {
    // No actor: a background job, or someone not signed in acting on their own account by a
    // mailed code or link (sign-up, confirmation, password reset).
    const actorId = record.actorId ?? (record.fromRequest ? record.targetId : null);
    const actorType: WebhookPayload['data']['actor']['type'] =
      actorId === null
        ? 'system'
        : record.targetId === null || actorId === record.targetId
          ? 'user'
          : 'admin';
    const data: WebhookPayload['data'] = {
      actor: { type: actorType, ...(actorId !== null ? { id: Number(actorId) } : {}) },
      audit_id: record.id,
    };
    if (type === 'webhook.test') data.webhook_id = String(record.details.webhook_id);
    else if (record.targetId !== null) {
      data.user_id = Number(record.targetId);
      const user = await this.users.findById(record.targetId, m);
      if (user) data.user = { ...UserResponseDto.from(user) };
    }
    if (type === 'session.created' && typeof record.details.session_id === 'string') {
      data.session_id = record.details.session_id;
    }
    if (type === 'session.revoked') data.session_ids = revoked;
    return { type, timestamp: new Date(record.at).toISOString(), data };
  }
}
