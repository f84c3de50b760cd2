import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PasswordModule } from '../auth/password.module';
import { OtpModule } from '../otp/otp.module';
import { SessionsModule } from '../sessions/sessions.module';
import { User } from './user.entity';
import { UsersController } from './users.controller';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';
import { UsersTransferRepository } from './users-transfer.repository';
import { UsersTransferService } from './users-transfer.service';

@Module({
  imports: [TypeOrmModule.forFeature([User]), PasswordModule, SessionsModule, OtpModule],
  controllers: [UsersController],
  providers: [UsersRepository, UsersService, UsersTransferRepository, UsersTransferService],
  exports: [UsersRepository, UsersService, UsersTransferService],
})
export class UsersModule {}
