import { Module } from '@nestjs/common';
import { RateLimitModule } from '../common/rate-limit/rate-limit.module';
import { LoginThrottle } from './login-throttle';

/**
 * The per-address login throttle as one instance for the whole app: the login, the second factor
 * (POST /login/mfa) and the routes that check a current password or a code (mfa/, account/) share
 * its counters and its in-process queue, so a settlement in one wakes the attempts of the others.
 */
@Module({
  imports: [RateLimitModule],
  providers: [LoginThrottle],
  exports: [LoginThrottle],
})
export class LoginThrottleModule {}
