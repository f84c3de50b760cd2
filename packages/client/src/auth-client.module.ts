import { Module } from '@nestjs/common';
import { ConfigurableAuthClientModule } from './auth-client.module-definition';

/**
 * For another Nest service: guard its routes with this auth server.
 *
 *   AuthClientModule.forRoot({ baseUrl: 'https://auth.example.com' })
 *   AuthClientModule.forRootAsync({ useFactory: (config) => ({ ... }), inject: [...], imports: [...] })
 *   AuthClientModule.forRootAsync({ useClass: AuthSettings })  // has createAuthClientOptions()
 *
 * Every route then needs a valid session of the auth server, except those marked `@Public()`;
 * `@CurrentUser()` gives the caller and `@AdminOnly()` limits a route to admins.
 */
@Module({})
export class AuthClientModule extends ConfigurableAuthClientModule {}
