import { PartialType, PickType } from '@nestjs/swagger';
import { AddUserDto } from './add-user.dto';

/**
 * Only these fields, with the same rules as when adding: a password, `is_active`, `id` or a
 * timestamp is refused as unknown (400). A new email is unconfirmed until confirmed again.
 */
export class UpdateUserDto extends PartialType(
  PickType(AddUserDto, ['email', 'name', 'surname', 'role'] as const),
) {}
