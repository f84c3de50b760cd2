import { ConfigurableModuleBuilder, Provider } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AUTH_CLIENT_OPTIONS, AuthClientOptions } from './auth-client.options';
import { AuthClientGuard } from './auth-client.guard';
import { AuthClientService } from './auth-client.service';
import { AdminGuard } from './decorators';

/**
 * forRoot / forRootAsync as Nest's own modules have them (useFactory + inject + imports, useClass,
 * useExisting), built by Nest rather than by hand so that they behave as users know them.
 *
 * `global` is an extra: it decides which providers the module has (the APP_GUARD), so it must be
 * known before any factory runs. In forRoot it sits among the options; in forRootAsync beside
 * useFactory/useClass/useExisting.
 */
export const {
  ConfigurableModuleClass: ConfigurableAuthClientModule,
  ASYNC_OPTIONS_TYPE: AUTH_CLIENT_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<AuthClientOptions>({
  optionsInjectionToken: AUTH_CLIENT_OPTIONS,
})
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createAuthClientOptions')
  .setExtras<{ global: boolean }>({ global: true }, (definition, extras) => {
    const providers: Provider[] = [
      ...(definition.providers ?? []),
      AuthClientService,
      AuthClientGuard,
      AdminGuard,
    ];
    if (extras.global) providers.push({ provide: APP_GUARD, useExisting: AuthClientGuard });
    return {
      ...definition,
      // Global either way: the service and guards are for the whole app, whether or not the
      // guard is registered on every route.
      global: true,
      providers,
      exports: [AuthClientService, AuthClientGuard, AdminGuard, AUTH_CLIENT_OPTIONS],
    };
  })
  .build();

/** What forRootAsync takes: useFactory (+ inject), useClass or useExisting, imports, and `global`. */
export type AuthClientAsyncOptions = typeof AUTH_CLIENT_ASYNC_OPTIONS_TYPE;
