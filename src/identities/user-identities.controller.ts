import { Controller, Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../common/decorators/admin-only.decorator';
import { ApiErrors } from '../common/decorators/api-errors.decorator';
import { UsersErrors } from '../users/users.errors';
import { IdentityListDto } from './dto/identities.dto';
import { IdentitiesService } from './identities.service';

/** A user's linked identities, for admins. */
@ApiTags('admin')
@AdminOnly()
@Controller('users')
export class UserIdentitiesController {
  constructor(private readonly identities: IdentitiesService) {}

  @Get(':id/identities')
  @ApiOperation({
    summary: 'The providers linked to a user’s account',
    description: 'Root and admin only; 404 user_not_found.',
  })
  @ApiOkResponse({ type: IdentityListDto })
  @ApiErrors(UsersErrors.user_not_found)
  listOfUser(@Param('id') id: string): Promise<IdentityListDto> {
    return this.identities.listOfUser(id);
  }
}
