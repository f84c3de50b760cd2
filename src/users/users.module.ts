import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MailModule } from '../mail/mail.module';
import { NoticesModule } from '../notices/notices.module';
import { OtpModule } from '../otp/otp.module';
import { PasswordsModule } from '../passwords/passwords.module';
import { SessionsModule } from '../sessions/sessions.module';
import { BlockExpiryService } from './block-expiry.service';
import { RootAccountService } from './root-account.service';
import { AddUser } from './use-cases/add-user';
import { ChangeUserStatus } from './use-cases/change-user-status';
import { ListUserSessions } from './use-cases/list-user-sessions';
import { UpdateUser } from './use-cases/update-user';
import { User } from './user.entity';
import { UsersController } from './users.controller';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';
import { UsersTransferRepository } from './users-transfer.repository';
import { UsersTransferService } from './users-transfer.service';

/**
 * The users table's owner. Other modules use UsersService (and the CLI RootAccountService); the
 * repository stays inside.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([User]),
    PasswordsModule,
    SessionsModule,
    OtpModule,
    MailModule,
    NoticesModule,
  ],
  controllers: [UsersController],
  providers: [
    UsersRepository,
    UsersService,
    AddUser,
    UpdateUser,
    ChangeUserStatus,
    ListUserSessions,
    RootAccountService,
    BlockExpiryService,
    UsersTransferRepository,
    UsersTransferService,
  ],
  exports: [UsersService, RootAccountService, UsersTransferService],
})
export class UsersModule {}
