import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import * as bcrypt from 'bcrypt';
import { createHmac } from 'node:crypto';
import { authConfig, AuthConfig } from '../config/config';
import { BcryptPool } from './bcrypt-pool';

/** Our format: `$pb1$` + bcrypt over base64(HMAC-SHA-384(pepper, NFC(password))). */
const PREFIX = '$pb1$';

/**
 * Hashes and checks passwords. bcrypt reads only 72 bytes, so the password is pre-hashed first:
 * no password is ever silently cut, and two passwords that share their first 72 bytes differ.
 * bcrypt runs in a pool of low-priority worker threads (BcryptPool), never on the event loop, and
 * yields the CPU to request handling while logins are in flight.
 */
@Injectable()
export class PasswordService implements OnApplicationShutdown {
  private readonly bcrypt = new BcryptPool();

  constructor(@Inject(authConfig.KEY) private readonly cfg: AuthConfig) {}

  /** After the HTTP server has closed (not at module destroy, which comes first): requests still
   *  in flight at SIGTERM finish their bcrypt work instead of failing with 500. */
  async onApplicationShutdown(): Promise<void> {
    await this.bcrypt.close();
  }

  private prehash(password: string): string {
    return createHmac('sha384', this.cfg.passwordPepper ?? '')
      .update(password.normalize('NFC'), 'utf8')
      .digest('base64');
  }

  async hash(password: string): Promise<string> {
    return PREFIX + (await this.bcrypt.hash(this.prehash(password), this.cfg.bcryptCost));
  }

  async verify(password: string, stored: string | null | undefined): Promise<boolean> {
    if (!stored) return false;
    if (stored.startsWith(PREFIX))
      return this.bcrypt.compare(this.prehash(password), stored.slice(PREFIX.length));
    // A plain bcrypt hash imported from the original server: it only ever saw 72 bytes.
    if (/^\$2[aby]\$/.test(stored)) return this.bcrypt.compare(password, stored);
    return false;
  }

  /** True when the stored hash is of an older format or cost: rehash it at the next good login. */
  needsRehash(stored: string): boolean {
    if (!stored.startsWith(PREFIX)) return true;
    return bcrypt.getRounds(stored.slice(PREFIX.length)) !== this.cfg.bcryptCost;
  }
}
