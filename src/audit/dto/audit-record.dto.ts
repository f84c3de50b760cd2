import { ApiProperty } from '@nestjs/swagger';
import { PageInfoDto } from '../../common/dto/page-query.dto';

export class AuditRecordDto {
  @ApiProperty({ example: 1042 })
  id: number;

  @ApiProperty({ example: '2024-05-01T12:00:00.000Z', description: 'ISO-8601, UTC' })
  at: string;

  @ApiProperty({ example: 'user_update' })
  action: string;

  @ApiProperty({ example: 'success', description: '`success` or the error code of the answer' })
  outcome: string;

  @ApiProperty({ type: Number, nullable: true, example: 1 })
  actor_id: number | null;

  @ApiProperty({ type: String, nullable: true, example: 'root@example.com' })
  actor_email: string | null;

  @ApiProperty({ type: Number, nullable: true, example: 12 })
  target_id: number | null;

  @ApiProperty({ type: String, nullable: true, example: 'ada@example.com' })
  target_email: string | null;

  @ApiProperty({ type: String, nullable: true, example: '203.0.113.7' })
  ip: string | null;

  @ApiProperty({ type: String, nullable: true })
  user_agent: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description: "The server's id of the request (the X-Request-Id of its answer)",
  })
  request_id: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description:
      'The X-Request-Id the client sent, if it was safe to keep (up to 64 of A-Z a-z 0-9 . _ : -)',
  })
  client_request_id: string | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    example: { changed: ['email', 'name'] },
    description: 'What the action was about; names of changed fields, never a secret',
  })
  details: Record<string, unknown>;
}

export class AuditPageDto extends PageInfoDto {
  @ApiProperty({ type: [AuditRecordDto] })
  records: AuditRecordDto[];
}
