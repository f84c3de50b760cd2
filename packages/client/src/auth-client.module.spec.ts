import { Controller, Get, INestApplication, Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import request from 'supertest';
import {
  AUTH_CLIENT_OPTIONS,
  AuthClientOptions,
  AuthClientOptionsFactory,
} from './auth-client.options';
import { AuthClientModule } from './auth-client.module';
import { AuthClientService } from './auth-client.service';
import { Public } from './decorators';

// Nothing listens there: every check below is decided before the client would ask the server.
const BASE_URL = 'http://127.0.0.1:9';

@Controller()
class Routes {
  @Get('private')
  private() {
    return { ok: true };
  }

  @Public()
  @Get('open')
  open() {
    return { ok: true };
  }
}

@Injectable()
class Settings {
  readonly authUrl = BASE_URL;
}

@Module({ providers: [Settings], exports: [Settings] })
class SettingsModule {}

@Injectable()
class AuthSettings implements AuthClientOptionsFactory {
  static calls = 0;
  createAuthClientOptions(): AuthClientOptions {
    AuthSettings.calls += 1;
    return { baseUrl: BASE_URL, timeoutMs: 1234 };
  }
}

@Module({ providers: [AuthSettings], exports: [AuthSettings] })
class AuthSettingsModule {}

async function start(clientModule: ReturnType<typeof AuthClientModule.forRoot>) {
  @Module({ imports: [clientModule], controllers: [Routes] })
  class App {}
  const app = await NestFactory.create(App, { logger: false, abortOnError: false });
  await app.init();
  return app;
}

describe('AuthClientModule', () => {
  let app: INestApplication | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  const statusOf = async (path: string) => (await request(app!.getHttpServer()).get(path)).status;

  it('forRoot guards every route but @Public() ones, and keeps `global` out of the options', async () => {
    app = await start(AuthClientModule.forRoot({ baseUrl: BASE_URL, cacheTtlMs: 500 }));
    const refused = await request(app.getHttpServer()).get('/private');
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ statusCode: 401, code: 'invalid_token' });
    expect(await statusOf('/open')).toBe(200);
    expect(app.get(AUTH_CLIENT_OPTIONS)).toEqual({ baseUrl: BASE_URL, cacheTtlMs: 500 });
    expect(app.get(AuthClientService).cacheLive).toBe(true);
  });

  it('forRoot({ global: false }) registers no guard on the routes', async () => {
    app = await start(AuthClientModule.forRoot({ baseUrl: BASE_URL, global: false }));
    expect(await statusOf('/private')).toBe(200);
    expect(app.get(AuthClientService)).toBeInstanceOf(AuthClientService);
  });

  it('forRootAsync({ useFactory, inject, imports }) builds the options from an imported provider', async () => {
    app = await start(
      AuthClientModule.forRootAsync({
        imports: [SettingsModule],
        inject: [Settings],
        useFactory: async (s: Settings) => ({ baseUrl: s.authUrl, cacheTtlMs: 700 }),
      }),
    );
    expect(app.get(AUTH_CLIENT_OPTIONS)).toEqual({ baseUrl: BASE_URL, cacheTtlMs: 700 });
    expect(await statusOf('/private')).toBe(401);
    expect(await statusOf('/open')).toBe(200);
  });

  it('forRootAsync({ useClass }) asks a class of its own for the options, once', async () => {
    AuthSettings.calls = 0;
    app = await start(AuthClientModule.forRootAsync({ useClass: AuthSettings }));
    expect(app.get(AUTH_CLIENT_OPTIONS)).toEqual({ baseUrl: BASE_URL, timeoutMs: 1234 });
    expect(AuthSettings.calls).toBe(1);
    expect(await statusOf('/private')).toBe(401);
  });

  it('forRootAsync({ useExisting }) uses the provider an imported module exports', async () => {
    AuthSettings.calls = 0;
    app = await start(
      AuthClientModule.forRootAsync({ imports: [AuthSettingsModule], useExisting: AuthSettings }),
    );
    expect(app.get(AUTH_CLIENT_OPTIONS)).toEqual({ baseUrl: BASE_URL, timeoutMs: 1234 });
    expect(AuthSettings.calls).toBe(1);
    expect(await statusOf('/private')).toBe(401);
  });

  it('forRootAsync({ global: false }) registers no guard, whatever the factory returns', async () => {
    app = await start(
      AuthClientModule.forRootAsync({
        global: false,
        useFactory: () => ({ baseUrl: BASE_URL, global: true }),
      }),
    );
    expect(await statusOf('/private')).toBe(200);
  });

  it('refuses a baseUrl that is not an http(s) URL when the app starts', async () => {
    await expect(
      start(AuthClientModule.forRootAsync({ useFactory: () => ({ baseUrl: 'auth.example.com' }) })),
    ).rejects.toThrow(/baseUrl must be an http\(s\) URL/);
  });
});
