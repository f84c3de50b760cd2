import type { AuthClientJwtOptions } from './jwt-verifier';

export interface AuthClientOptions {
  /** Base URL of the auth server, e.g. `https://auth.example.com`. */
  baseUrl: string;
  /** Give up on the auth server after this long and answer 503 (default 3000 ms). */
  timeoutMs?: number;
  /**
   * One of the server's SERVICE_KEYS. With it, the client listens to the server's change events
   * (`GET /events/sessions`) and caches positive answers only while it hears them: a logout, block
   * or revocation evicts at once, and a dropped stream turns the cache off until it is back.
   */
  serviceKey?: string;
  /**
   * How long a positive answer is kept. With `serviceKey`: default 60 000, at most 300 000, and
   * only while the event stream is up. Without it: default 0 (off), at most 10 000, and a logout,
   * block or revocation is NOT seen by this service until the entry expires.
   */
  cacheTtlMs?: number;
  /** Cookie that holds the token when the auth server runs in cookie mode (default `__Host-session`, the server's). */
  cookieName?: string;
  /**
   * Register the guard for every route of the app, with `@Public()` as the opt-out (default true).
   * Read by forRoot from these options, by forRootAsync from its own argument (beside useFactory),
   * never from what a factory returns: it decides the module's providers.
   */
  global?: boolean;
  /**
   * `agent` (default): Node's http(s) module over a kept-alive Agent. `fetch`: Node's fetch
   * (undici), kept for comparison (bench/consumer.js measures both).
   */
  transport?: 'agent' | 'fetch';
  /**
   * Accept the server's signed JWTs (`POST /token/jwt`) as well as session tokens: a bearer that
   * is a JWT is verified here against the server's public keys, with no request per call. Without
   * `serviceKey`, a JWT stays good until it expires, even after its session ended. With it, a JWT
   * whose session the event stream reports ended is refused at once, JWTs minted before the
   * stream was last (re)connected are refused (the app mints a new one), and while the stream is
   * down JWTs get 503, as session tokens do while the server cannot be reached.
   */
  jwt?: AuthClientJwtOptions;
}

/**
 * What `forRootAsync({ useClass })` and `forRootAsync({ useExisting })` take: a provider whose
 * `createAuthClientOptions()` gives the options (at start, once).
 */
export interface AuthClientOptionsFactory {
  createAuthClientOptions(): AuthClientOptions | Promise<AuthClientOptions>;
}

export const AUTH_CLIENT_OPTIONS = Symbol('AUTH_CLIENT_OPTIONS');

/** Without the event stream a cached answer can be stale, so it may live only briefly. */
export const MAX_CACHE_TTL_MS = 10_000;
/** With the event stream: evicted on change, so it may live longer (at most 5 minutes, as the server promises). */
export const MAX_STREAM_CACHE_TTL_MS = 300_000;
export const DEFAULT_STREAM_CACHE_TTL_MS = 60_000;
