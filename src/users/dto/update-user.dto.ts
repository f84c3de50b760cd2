import { PartialType, PickType } from '@nestjs/swagger';
import { AddUserDto } from './add-user.dto';

/**
 * Only these fields, with the same rules as when adding: a password, `is_active`, `id` or a
 * timestamp is refused as unknown (400). A new email is unconfirmed until confirmed again. A field
 * may be left out but not sent as null (`skipNullProperties: false`): null is validated like any
 * value and refused with 400, instead of reaching a NOT NULL column.
 */
export class UpdateUserDto extends PartialType(
  PickType(AddUserDto, ['email', 'name', 'surname', 'role', 'locale'] as const),
  { skipNullProperties: false },
) {}
