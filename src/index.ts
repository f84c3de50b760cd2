// The server as a library, for a monolith that embeds it in-process. Services that only need to
// check tokens import the lighter client entry instead: `nest-email-auth/client`.
export { AppModule } from './app.module';
export { configureApp } from './app.setup';
export { loadSettings } from './config/settings';
export type { Settings } from './config/settings';
export { AuthModule } from './auth/auth.module';
export { AuthGuard } from './auth/auth.guard';
export { SessionsModule } from './sessions/sessions.module';
export { SessionsService } from './sessions/sessions.service';
export { UsersModule } from './users/users.module';
export { AuditModule } from './audit/audit.module';
export { AuditService } from './audit/audit.service';
export { Public } from './common/decorators/public.decorator';
export { CurrentUser } from './common/decorators/current-user.decorator';
export { AdminOnly } from './common/decorators/admin-only.decorator';
export { Audit } from './audit/audit.decorator';
export { AdminGuard } from './common/guards/admin.guard';
export type { AuthUser, Role } from './common/auth-user';
