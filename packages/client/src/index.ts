// nest-email-auth-client: what another Nest service imports to guard its routes with the auth
// server. It depends only on @nestjs/common and @nestjs/core (peers) and Node's own modules.
export { AuthClientModule } from './auth-client.module';
export { AuthClientGuard } from './auth-client.guard';
export { AuthClientService } from './auth-client.service';
export type { AuthClientOptions, AuthClientOptionsFactory } from './auth-client.options';
export type { AuthClientAsyncOptions } from './auth-client.module-definition';
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
