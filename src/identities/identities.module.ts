import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../auth/auth.module';
import { CryptoModule } from '../crypto/crypto.module';
import { MailModule } from '../mail/mail.module';
import { PasskeysModule } from '../passkeys/passkeys.module';
import { SessionsModule } from '../sessions/sessions.module';
import { UsersModule } from '../users/users.module';
import { IdentitiesController } from './identities.controller';
import { OAuthController } from './oauth.controller';
import { UserIdentitiesController } from './user-identities.controller';
import { IdentitiesRepository } from './identities.repository';
import { IdentitiesService } from './identities.service';
import { Identity } from './identity.entity';
import { OAuthCode } from './oauth-code.entity';
import { OAuthProviders } from './oauth-providers.service';

/** Sign-in with another provider (OpenID Connect, GitHub) and the linked identities. */
@Module({
  imports: [
    TypeOrmModule.forFeature([Identity, OAuthCode]),
    AuthModule,
    CryptoModule,
    MailModule,
    PasskeysModule,
    SessionsModule,
    UsersModule,
  ],
  controllers: [OAuthController, IdentitiesController, UserIdentitiesController],
  providers: [IdentitiesRepository, IdentitiesService, OAuthProviders],
  exports: [IdentitiesService],
})
export class IdentitiesModule {}
