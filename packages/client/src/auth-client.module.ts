import { DynamicModule, Module, Provider } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AdminGuard } from './decorators';
import {
  AUTH_CLIENT_OPTIONS,
  AuthClientAsyncOptions,
  AuthClientOptions,
} from './auth-client.options';
import { AuthClientGuard } from './auth-client.guard';
import { AuthClientService } from './auth-client.service';

/**
 * For another Nest service: guard its routes with this auth server.
 *
 *   AuthClientModule.forRoot({ baseUrl: 'https://auth.example.com' })
 *
 * Every route then needs a valid session of the auth server, except those marked `@Public()`;
 * `@CurrentUser()` gives the caller and `@AdminOnly()` limits a route to admins.
 */
@Module({})
export class AuthClientModule {
  static forRoot(options: AuthClientOptions): DynamicModule {
    return this.build(
      [{ provide: AUTH_CLIENT_OPTIONS, useValue: options }],
      options.global ?? true,
    );
  }

  static forRootAsync(options: AuthClientAsyncOptions): DynamicModule {
    return this.build(
      [
        {
          provide: AUTH_CLIENT_OPTIONS,
          inject: options.inject ?? [],
          useFactory: options.useFactory,
        },
      ],
      options.global ?? true,
      options.imports,
    );
  }

  private static build(
    optionProviders: Provider[],
    global: boolean,
    imports: DynamicModule['imports'] = [],
  ): DynamicModule {
    const providers: Provider[] = [
      ...optionProviders,
      AuthClientService,
      AuthClientGuard,
      AdminGuard,
    ];
    if (global) providers.push({ provide: APP_GUARD, useExisting: AuthClientGuard });
    return {
      module: AuthClientModule,
      global: true,
      imports,
      providers,
      exports: [AuthClientService, AuthClientGuard, AdminGuard, AUTH_CLIENT_OPTIONS],
    };
  }
}
