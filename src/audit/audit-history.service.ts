import { Inject, Injectable, StreamableFile } from '@nestjs/common';
import { Readable } from 'node:stream';
import { AuditContext } from './audit-context';
import { CommonErrors } from '../common/errors';
import { OverCapMemory, readPage } from '../common/paging';
import { appConfig, AppConfig } from '../config/config';
import { csvLine } from './csv';
import { AuditExportQueryDto, AuditFilterDto, AuditQueryDto } from './dto/audit-query.dto';
import { AuditPageDto, AuditRecordDto } from './dto/audit-record.dto';
import { AuditFilter, AuditRepository, AuditRow } from './audit.repository';

/** Records per query while exporting: memory stays bounded by one chunk whatever the total. */
export const EXPORT_CHUNK = 1000;

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

const FIELDS = [
  'id',
  'at',
  'action',
  'outcome',
  'actor_id',
  'actor_email',
  'target_id',
  'target_email',
  'ip',
  'user_agent',
  'request_id',
  'client_request_id',
  'details',
] as const;

const idOrNull = (id: string | null) => (id === null ? null : Number(id));

function toDto(r: AuditRow): AuditRecordDto {
  return {
    id: Number(r.id),
    at: r.at,
    action: r.action,
    outcome: r.outcome,
    actor_id: idOrNull(r.actor_id),
    actor_email: r.actor_email,
    target_id: idOrNull(r.target_id),
    target_email: r.target_email,
    ip: r.ip,
    user_agent: r.user_agent,
    request_id: r.request_id,
    client_request_id: r.client_request_id,
    details: r.details,
  };
}

const list = (csv?: string) => (csv ? [...new Set(csv.split(','))] : undefined);

/** The action history: one filtered page, or every filtered record as a streamed file. */
@Injectable()
export class AuditHistoryService {
  constructor(
    private readonly repo: AuditRepository,
    @Inject(appConfig.KEY) private readonly app: AppConfig,
  ) {
    this.overCap = new OverCapMemory(app.listOverCapMs);
  }

  /** Broad filters of the history, counted once per LIST_OVER_CAP_MS instead of once per page. */
  private readonly overCap: OverCapMemory;

  async list(q: AuditQueryDto): Promise<AuditPageDto> {
    const filter = this.filterOf(q);
    const { items, info } = await readPage(
      q,
      this.app.listCountLimit,
      (offset, limit) => this.repo.findPage(filter, offset, limit),
      (atMost) =>
        this.overCap.count(JSON.stringify(filter), atMost, (n) => this.repo.count(filter, n)),
    );
    return { records: items.map(toDto), ...info };
  }

  /**
   * Streams the filtered records, newest first, one keyset chunk at a time: the next chunk is read
   * only when the client has taken the previous one (backpressure). The first chunk is read before
   * answering, so a failing database still gets a proper error instead of a cut-off file.
   */
  async export(q: AuditExportQueryDto, audit?: AuditContext): Promise<StreamableFile> {
    const filter = this.filterOf(q);
    // Who took a copy of the history, and of which part of it.
    audit?.addDetails({ format: q.format, filter: { ...q, format: undefined } });
    const first = await this.repo.findChunk(filter, null, EXPORT_CHUNK);
    const csv = q.format === 'csv';
    const line = csv
      ? (r: AuditRecordDto) =>
          csvLine(FIELDS.map((f) => (f === 'details' ? JSON.stringify(r.details) : r[f])))
      : (r: AuditRecordDto) => `${JSON.stringify(r)}\n`;
    const repo = this.repo;
    async function* chunks(): AsyncGenerator<string> {
      if (csv) yield csvLine([...FIELDS]);
      let chunk = first;
      while (chunk.length) {
        yield chunk.map((r) => line(toDto(r))).join('');
        if (chunk.length < EXPORT_CHUNK) return;
        const last = chunk[chunk.length - 1];
        chunk = await repo.findChunk(filter, { at: last.cursor_at, id: last.id }, EXPORT_CHUNK);
      }
    }
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    return new StreamableFile(Readable.from(chunks(), { objectMode: true, highWaterMark: 1 }), {
      type: csv ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
      disposition: `attachment; filename="audit-log-${stamp}.${q.format}"`,
    });
  }

  /** Every record the user acted in or was the target of, newest first (for their data export). */
  async allOfUser(userId: string): Promise<AuditRecordDto[]> {
    const filter: AuditFilter = { userIds: [userId] };
    const all: AuditRecordDto[] = [];
    let chunk = await this.repo.findChunk(filter, null, EXPORT_CHUNK);
    while (chunk.length) {
      all.push(...chunk.map(toDto));
      if (chunk.length < EXPORT_CHUNK) break;
      const last = chunk[chunk.length - 1];
      chunk = await this.repo.findChunk(filter, { at: last.cursor_at, id: last.id }, EXPORT_CHUNK);
    }
    return all;
  }

  private filterOf(q: AuditFilterDto): AuditFilter {
    // A date alone is a whole UTC day: `from` its first instant, `to` its last microsecond.
    const from = q.from && DATE_ONLY.test(q.from) ? `${q.from}T00:00:00Z` : q.from;
    const to = q.to && DATE_ONLY.test(q.to) ? `${q.to}T23:59:59.999999Z` : q.to;
    if (from && to && Date.parse(from) > Date.parse(to)) {
      throw CommonErrors.validation_failed({ message: ['from must not be after to'] });
    }
    return { userIds: list(q.users), actions: list(q.actions), from, to, outcome: q.outcome };
  }
}
