import { Module } from '@nestjs/common';
import { CryptoModule } from '../crypto/crypto.module';
import { JwtIssuer } from './jwt-issuer.service';
import { SigningKeysRepository } from './signing-keys.repository';
import { SigningKeysService } from './signing-keys.service';
import { TokensController } from './tokens.controller';

/**
 * Signed JWTs made from a live session, for services that verify identity offline, and the
 * key set they verify with (GET /.well-known/jwks.json). The session check is the AuthGuard's.
 */
@Module({
  imports: [CryptoModule],
  controllers: [TokensController],
  providers: [SigningKeysRepository, SigningKeysService, JwtIssuer],
  exports: [JwtIssuer, SigningKeysService],
})
export class TokensModule {}
