import { IdentitiesModule } from '../identities/identities.module';
import { Module } from '@nestjs/common';
import { PasskeysModule } from '../passkeys/passkeys.module';
import { AuthModule } from '../auth/auth.module';
import { MfaModule } from '../mfa/mfa.module';
import { NoticesModule } from '../notices/notices.module';
import { OtpModule } from '../otp/otp.module';
import { OwnerProofModule } from '../owner-proof/owner-proof.module';
import { RegistrationModule } from '../registration/registration.module';
import { SessionsModule } from '../sessions/sessions.module';
import { UsersModule } from '../users/users.module';
import { AccountDeletionService } from './account-deletion.service';
import { AccountController } from './account.controller';
import { AccountService } from './account.service';
import { EmailChangeService } from './email-change.service';

/** The signed-in user's own account: /me, the email change, deletion and the data export. */
@Module({
  imports: [
    UsersModule,
    AuthModule,
    SessionsModule,
    OtpModule,
    RegistrationModule,
    NoticesModule,
    MfaModule,
    OwnerProofModule,
    PasskeysModule,
    IdentitiesModule,
  ],
  controllers: [AccountController],
  providers: [AccountService, EmailChangeService, AccountDeletionService],
})
export class AccountModule {}
