import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class ErrorResponseDto {
  @ApiProperty({ example: 401 })
  statusCode: number;

  @ApiProperty({ example: 'Unauthorized' })
  error: string;

  @ApiProperty({ example: 'invalid_credentials', description: 'Stable machine-readable code' })
  code: string;

  @ApiProperty({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    description: 'Human-readable message; for validation_failed, one message per field problem',
  })
  message: string | string[];

  @ApiPropertyOptional({ description: 'Only on 500 and 503: the id to quote when reporting it' })
  request_id?: string;
}
