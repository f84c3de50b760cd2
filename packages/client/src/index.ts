// nest-email-auth-client: what another Nest service imports to guard its routes with the auth
// server. It depends on @nestjs/common and @nestjs/core (peers), Node's own modules, and jose
// (which checks the server's signed JWTs when the `jwt` option is set).
export { AuthClientModule } from './auth-client.module';
export { AuthClientGuard } from './auth-client.guard';
export { AuthClientService } from './auth-client.service';
export type { AuthClientOptions, AuthClientOptionsFactory } from './auth-client.options';
export type { AuthClientAsyncOptions } from './auth-client.module-definition';
export type { AuthClientJwtOptions } from './jwt-verifier';
export {
  AUTH_CLIENT_OPTIONS,
  MAX_CACHE_TTL_MS,
  MAX_STREAM_CACHE_TTL_MS,
} from './auth-client.options';
export { AdminGuard, AdminOnly, CurrentUser, IS_PUBLIC, Public } from './decorators';
export { RequireAal2, RequireAal2Guard } from './require-aal2.decorator';
export { ADMIN_ROLES } from './auth-user';
export { TokenCache } from './token-cache';
export type { AuthUser, Role } from './auth-user';
export {
  CSRF_HEADERS,
  passesCsrfCheck,
  readBearer,
  readCookie,
  SESSION_COOKIE,
} from './session-cookie.rules';
