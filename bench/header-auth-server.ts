/**
 * BENCH ONLY, while the real AuthGuard (issue 3) is not in this branch: the server as main.ts
 * starts it, plus the test-only guard that takes the caller from `X-Test-User`. bench/scale.ts
 * uses it when src/auth/auth.guard.ts does not exist; otherwise it runs the real server and logs in.
 */
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from '../src/app.module';
import { configureApp } from '../src/app.setup';
import { loadSettings } from '../src/config/settings';
import { HeaderAuthModule } from '../test/support/test-auth';

@Module({ imports: [AppModule, HeaderAuthModule] })
class BenchModule {}

async function main(): Promise<void> {
  const settings = loadSettings();
  const app = await NestFactory.create<NestExpressApplication>(BenchModule, {
    bodyParser: false,
    bufferLogs: true,
  });
  configureApp(app);
  await app.listen(settings.app.port, settings.app.host);
  process.stdout.write(`Listening on ${settings.app.port}\n`);
}

main().catch((e: Error) => {
  process.stderr.write(`Could not start: ${e.message}\n`);
  process.exit(1);
});
