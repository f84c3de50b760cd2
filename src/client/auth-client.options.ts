import type { ModuleMetadata } from '@nestjs/common';

export interface AuthClientOptions {
  /** Base URL of the auth server, e.g. `https://auth.example.com`. */
  baseUrl: string;
  /** Give up on the auth server after this long and answer 503 (default 3000 ms). */
  timeoutMs?: number;
  /**
   * Keep positive answers this long (default 0: off). At most 10 000 ms. While a token is cached,
   * a logout, block or revocation on the server is NOT seen by this service until the entry expires.
   */
  cacheTtlMs?: number;
  /** Cookie that holds the token when the auth server runs in cookie mode (default `__Host-session`, the server's). */
  cookieName?: string;
  /** Register the guard for every route of the app, with `@Public()` as the opt-out (default true). */
  global?: boolean;
}

export interface AuthClientAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  inject?: any[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  useFactory: (...args: any[]) => AuthClientOptions | Promise<AuthClientOptions>;
  global?: boolean;
}

export const AUTH_CLIENT_OPTIONS = Symbol('AUTH_CLIENT_OPTIONS');

export const MAX_CACHE_TTL_MS = 10_000;
