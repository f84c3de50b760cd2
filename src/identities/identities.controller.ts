import { Controller, Delete, Get, HttpCode, Param } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { NEEDS_SESSION, type AuthUser } from '../common/auth-user';
import { ApiErrors } from '../common/decorators/api-errors.decorator';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { ReqMeta } from '../common/decorators/request-meta.decorator';
import type { RequestMeta } from '../common/request-meta';
import { IdentityListDto } from './dto/identities.dto';
import { IdentitiesErrors } from './identities.errors';
import { IdentitiesService } from './identities.service';

/** The caller's linked identities (providers). */
@ApiTags('account')
@ApiBearerAuth()
@Controller('me/identities')
export class IdentitiesController {
  constructor(private readonly identities: IdentitiesService) {}

  @Get()
  @ApiOperation({
    summary: 'The providers linked to the caller’s account',
    description: NEEDS_SESSION,
  })
  @ApiOkResponse({ type: IdentityListDto })
  listOwn(@CurrentUser() user: AuthUser): Promise<IdentityListDto> {
    return this.identities.listOwn(user.id);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Unlink a provider from the caller’s account',
    description:
      `${NEEDS_SESSION} 409 last_sign_in_method when it is the only way in (no password, no ` +
      'passkey, no other identity, and LOGIN_CODE_ENABLED=false). Audit `identity_unlink`.',
  })
  @ApiNoContentResponse()
  @ApiErrors(IdentitiesErrors.identity_not_found, IdentitiesErrors.last_sign_in_method)
  unlink(
    @CurrentUser() user: AuthUser,
    @Param('id') id: string,
    @ReqMeta() meta: RequestMeta,
  ): Promise<void> {
    return this.identities.unlink(user, id, meta);
  }
}
