import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { PageQueryDto, ExactPageDto } from '../../common/dto/page-query.dto';
import { LocaleField } from '../locale.field';
import type { MailStatus } from '../mail-outbox.entity';
import { MAIL_TEMPLATE_NAMES } from '../mail-templates';

const STATUSES: MailStatus[] = ['pending', 'sending', 'sent', 'failed'];

export class TemplateInfoDto {
  @ApiProperty({ example: 'email-confirm' })
  name: string;

  @ApiProperty({ example: ['en', 'ru'] })
  locales: string[];
}

export class TemplateListDto {
  @ApiProperty({ type: [TemplateInfoDto] })
  templates: TemplateInfoDto[];
}

export class PreviewQueryDto {
  @ApiPropertyOptional({ example: 'ru', description: 'Default: MAIL_DEFAULT_LOCALE' })
  @IsOptional()
  @IsString()
  @MaxLength(16)
  locale?: string;

  @ApiPropertyOptional({ enum: ['html', 'text'], default: 'html' })
  @IsOptional()
  @IsIn(['html', 'text'])
  format: 'html' | 'text' = 'html';
}

export class TestMailDto {
  @ApiProperty({ example: 'ops@example.com', maxLength: 254 })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsEmail()
  @MaxLength(254)
  @Matches(/^[^\r\n\0]*$/)
  to: string;

  @ApiProperty({ enum: MAIL_TEMPLATE_NAMES, example: 'email-confirm' })
  @IsIn(MAIL_TEMPLATE_NAMES)
  template: string;

  @LocaleField()
  locale?: string;
}

export class QueuedDto {
  @ApiProperty({ example: '42', description: 'The outbox id of the mail' })
  id: string;
}

export class OutboxQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: STATUSES })
  @IsOptional()
  @IsIn(STATUSES)
  status?: MailStatus;

  @ApiPropertyOptional({ example: 'ada@example.com', description: 'Recipient (case-insensitive)' })
  @IsOptional()
  @IsString()
  @MaxLength(254)
  @Matches(/^[^\r\n\0]*$/)
  to?: string;
}

export class OutboxMailDto {
  @ApiProperty({ example: '42' })
  id: string;

  @ApiProperty({ example: 'ada@example.com' })
  to: string;

  @ApiProperty({ example: 'email-confirm' })
  template: string;

  @ApiProperty({ example: 'en' })
  locale: string;

  @ApiProperty({ enum: STATUSES })
  status: MailStatus;

  @ApiProperty({ example: 1 })
  attempts: number;

  @ApiProperty({ type: String, nullable: true, example: 'connect ECONNREFUSED 127.0.0.1:25' })
  last_error: string | null;

  @ApiProperty({ format: 'date-time' })
  created_at: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  sent_at: string | null;
}

export class OutboxListDto extends ExactPageDto {
  @ApiProperty({ type: [OutboxMailDto] })
  mails: OutboxMailDto[];
}
