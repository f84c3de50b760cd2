// The client entry (`nest-email-auth/client`): what another Nest service imports to guard its
// routes with this auth server. It depends only on @nestjs/common, @nestjs/core and Node's fetch.
export { AuthClientModule } from './auth-client.module';
export { AuthClientGuard } from './auth-client.guard';
export { AuthClientService } from './auth-client.service';
export type { AuthClientOptions, AuthClientAsyncOptions } from './auth-client.options';
export { AUTH_CLIENT_OPTIONS } from './auth-client.options';
export { AdminOnly } from './admin-only.decorator';
export { RequireAal2, RequireAal2Guard } from './require-aal2.decorator';
export { Public } from '../common/decorators/public.decorator';
export { CurrentUser } from '../common/decorators/current-user.decorator';
export type { AuthUser, Role } from '../common/auth-user';
