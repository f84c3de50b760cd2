import { Injectable } from '@nestjs/common';
import type { AuthUser } from '../../common/auth-user';
import type { SessionListDto } from '../../sessions/dto/session.dto';
import { SessionsService } from '../../sessions/sessions.service';
import { UsersService } from '../users.service';

/** GET /users/:id/sessions: 404 for an unknown user, else its live sessions, newest first. */
@Injectable()
export class ListUserSessions {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
  ) {}

  async execute(viewer: AuthUser, id: string): Promise<SessionListDto> {
    const user = await this.users.get(id);
    return this.sessions.listOfUser(String(user.id), viewer);
  }
}
