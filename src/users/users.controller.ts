import { Body, Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../common/auth-user';
import type { AuditContext } from '../audit/audit-context';
import { AdminOnly } from '../common/decorators/admin-only.decorator';
import { Audit, AuditCtx } from '../audit/audit.decorator';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { SessionListDto } from '../sessions/dto/session.dto';
import { AddUserDto } from './dto/add-user.dto';
import { ChangeStatusDto } from './dto/change-status.dto';
import { ListUsersQueryDto } from './dto/list-users.query.dto';
import { UpdateUserDto } from './dto/update-user.dto';
import { UserListDto } from './dto/user-list.dto';
import { UserResponseDto } from './dto/user-response.dto';
import { AddUser } from './use-cases/add-user';
import { ChangeUserStatus } from './use-cases/change-user-status';
import { ListUserSessions } from './use-cases/list-user-sessions';
import { UpdateUser } from './use-cases/update-user';
import { UsersService } from './users.service';
import { CommonErrors } from '../common/errors';
import { PasswordsErrors } from '../passwords/passwords.errors';
import { UsersErrors } from './users.errors';
import { ApiErrors } from '../common/decorators/api-errors.decorator';

/** User management for `root` and `admin`. `:id` routes come last so named routes win. */
@ApiTags('admin')
@AdminOnly()
@Controller('users')
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly addUser: AddUser,
    private readonly updateUser: UpdateUser,
    private readonly changeUserStatus: ChangeUserStatus,
    private readonly userSessions: ListUserSessions,
  ) {}

  @Get('list')
  @ApiOperation({
    summary: 'List users: pages, search, filters, sort',
    description:
      'search matches a substring of email, name or surname; sort is one of created_at, email, ' +
      'last_login_at, each with - for descending; ties are broken by id.',
  })
  @ApiOkResponse({ type: UserListDto })
  @ApiErrors(CommonErrors.validation_failed)
  list(@Query() query: ListUsersQueryDto): Promise<UserListDto> {
    return this.users.list(query);
  }

  @Post('add')
  @ApiOperation({
    summary: 'Add a user; the confirmation mail goes out through the outbox',
    description:
      'Only a root may add an admin or root. Without a password the invitation lets the user ' +
      'choose one.',
  })
  @ApiCreatedResponse({ type: UserResponseDto })
  @ApiErrors(
    CommonErrors.validation_failed,
    UsersErrors.passwords_dont_match,
    PasswordsErrors.weak_password,
    UsersErrors.insufficient_role,
    UsersErrors.user_exists,
  )
  @Audit('user_add')
  add(
    @CurrentUser() actor: AuthUser,
    @Body() dto: AddUserDto,
    @AuditCtx() audit: AuditContext,
  ): Promise<UserResponseDto> {
    return this.addUser.execute(actor, dto, audit);
  }

  @Put('status/change')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Block (ends all sessions at once) or unblock a user',
    description:
      'Body: user_id or email, is_active, reason?, blocked_until? (a block that ends by itself). ' +
      'Unblocking revives no session.',
  })
  @ApiOkResponse({ type: UserResponseDto })
  @ApiErrors(
    CommonErrors.validation_failed,
    UsersErrors.insufficient_role,
    UsersErrors.user_not_found,
    UsersErrors.cannot_block_self,
    UsersErrors.last_root,
  )
  @Audit('user_block')
  changeStatus(
    @CurrentUser() actor: AuthUser,
    @Body() dto: ChangeStatusDto,
    @AuditCtx() audit: AuditContext,
  ): Promise<UserResponseDto> {
    return this.changeUserStatus.execute(actor, dto, audit);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One user', description: 'By id; 404 user_not_found otherwise.' })
  @ApiOkResponse({ type: UserResponseDto })
  @ApiErrors(UsersErrors.user_not_found)
  get(@Param('id') id: string): Promise<UserResponseDto> {
    return this.users.get(id);
  }

  @Get(':id/sessions')
  @ApiOperation({
    summary: "A user's live sessions, newest first",
    description:
      "For the admin console; `current` marks the caller's own session. 404 user_not_found.",
  })
  @ApiOkResponse({ type: SessionListDto })
  @ApiErrors(UsersErrors.user_not_found)
  sessions(@CurrentUser() actor: AuthUser, @Param('id') id: string): Promise<SessionListDto> {
    return this.userSessions.execute(actor, id);
  }

  @Put(':id')
  @ApiOperation({
    summary: 'Update email, name, surname or role (a new email needs confirming again)',
    description:
      'Any other field is 400. Only a root may update, promote or demote an admin or root.',
  })
  @ApiOkResponse({ type: UserResponseDto })
  @ApiErrors(
    CommonErrors.validation_failed,
    UsersErrors.insufficient_role,
    UsersErrors.user_not_found,
    UsersErrors.user_exists,
    UsersErrors.last_root,
  )
  @Audit('user_update')
  update(
    @CurrentUser() actor: AuthUser,
    @Param('id') id: string,
    @Body() dto: UpdateUserDto,
    @AuditCtx() audit: AuditContext,
  ): Promise<UserResponseDto> {
    return this.updateUser.execute(actor, id, dto, audit);
  }
}
