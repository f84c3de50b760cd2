import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
} from 'class-validator';
import { PageQueryDto, ExactPageDto } from '../../common/dto/page-query.dto';
import { SUBSCRIBABLE } from '../webhook-events';

const URL_FIELD = {
  example: 'https://hooks.example.com/auth',
  maxLength: 2048,
  description:
    'https:// only (http:// with WEBHOOK_ALLOW_HTTP=true); the host must resolve to public ' +
    'addresses only (any address with WEBHOOK_ALLOW_PRIVATE=true). Redirects are not followed.',
};
const EVENTS_FIELD = {
  enum: SUBSCRIBABLE,
  isArray: true,
  example: ['user.created', 'session.revoked'],
  description: 'Event types, or ["*"] for all',
};

export class CreateWebhookDto {
  @ApiProperty(URL_FIELD)
  @IsString()
  @MaxLength(2048)
  @Matches(/^[^\s\0]+$/, { message: 'url must hold no spaces or control characters' })
  url: string;

  @ApiProperty(EVENTS_FIELD)
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(SUBSCRIBABLE.length)
  @ArrayUnique()
  @IsIn(SUBSCRIBABLE, { each: true })
  events: string[];

  @ApiPropertyOptional({ maxLength: 500, example: 'CRM sync' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;
}

export class UpdateWebhookDto {
  @ApiPropertyOptional(URL_FIELD)
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  @Matches(/^[^\s\0]+$/, { message: 'url must hold no spaces or control characters' })
  url?: string;

  @ApiPropertyOptional(EVENTS_FIELD)
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(SUBSCRIBABLE.length)
  @ArrayUnique()
  @IsIn(SUBSCRIBABLE, { each: true })
  events?: string[];

  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;

  @ApiPropertyOptional({ description: 'false stops deliveries (they wait); true resumes them' })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

export class WebhookDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'https://hooks.example.com/auth' })
  url: string;

  @ApiProperty({ enum: SUBSCRIBABLE, isArray: true })
  events: string[];

  @ApiProperty({ example: 'CRM sync' })
  description: string;

  @ApiProperty()
  enabled: boolean;

  @ApiProperty({
    type: String,
    nullable: true,
    enum: ['disabled', 'gone', 'failing', null],
    description:
      'Why it is disabled: by hand, the receiver answered 410 Gone, or 5 days of failures',
  })
  disabled_reason: string | null;

  @ApiProperty({ format: 'date-time' })
  created_at: string;
}

export class WebhookWithSecretDto extends WebhookDto {
  @ApiProperty({
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    description: 'Shown here and at rotation only: store it now',
  })
  secret: string;
}

export class WebhookListDto {
  @ApiProperty({ type: [WebhookDto] })
  webhooks: WebhookDto[];
}

export class WebhookSecretDto {
  @ApiProperty({
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    description: 'The new secret; the old one keeps signing beside it for 24 hours',
  })
  secret: string;
}

export class DeliveryQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: ['pending', 'delivered', 'failed'] })
  @IsOptional()
  @IsIn(['pending', 'delivered', 'failed'])
  status?: 'pending' | 'delivered' | 'failed';
}

export class DeliveryDto {
  @ApiProperty({ example: '42' })
  id: string;

  @ApiProperty({ format: 'uuid', description: 'The webhook-id header of every attempt' })
  event_id: string;

  @ApiProperty({ example: 'user.created' })
  event_type: string;

  @ApiProperty({ enum: ['pending', 'delivered', 'failed'] })
  status: string;

  @ApiProperty()
  attempts: number;

  @ApiProperty({ type: Number, nullable: true, description: 'HTTP status of the last attempt' })
  last_status: number | null;

  @ApiProperty({ type: String, nullable: true })
  last_error: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  next_attempt_at: string | null;

  @ApiProperty({ format: 'date-time' })
  created_at: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  delivered_at: string | null;
}

export class DeliveryListDto extends ExactPageDto {
  @ApiProperty({ type: [DeliveryDto] })
  deliveries: DeliveryDto[];
}
