import { Controller, Delete, Get, HttpCode, Param } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { NEEDS_SESSION, type AuthUser } from '../common/auth-user';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { ReqMeta } from '../common/decorators/request-meta.decorator';
import type { RequestMeta } from '../common/request-meta';
import { SessionListDto } from './dto/session.dto';
import { SessionsService } from './sessions.service';
import { SessionsErrors } from './sessions.errors';
import { ApiErrors } from '../common/decorators/api-errors.decorator';

/** The caller's own sessions. */
@ApiTags('auth')
@ApiBearerAuth()
@Controller('sessions')
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Get()
  @ApiOperation({ summary: "The caller's live sessions", description: NEEDS_SESSION })
  @ApiOkResponse({ type: SessionListDto })
  list(@CurrentUser() user: AuthUser): Promise<SessionListDto> {
    return this.sessions.listOwn(user);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'End one of the caller’s own sessions', description: NEEDS_SESSION })
  @ApiNoContentResponse()
  @ApiErrors(SessionsErrors.session_not_found)
  revoke(
    @CurrentUser() user: AuthUser,
    @Param('id') id: string,
    @ReqMeta() meta: RequestMeta,
  ): Promise<void> {
    return this.sessions.revokeOwn(user, id, meta);
  }
}
