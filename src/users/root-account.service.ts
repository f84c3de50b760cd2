import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { adminConfig, AdminConfig } from '../config/config';
import { PasswordPolicy } from '../passwords/password-policy';
import { PasswordService } from '../passwords/password.service';
import type { User } from './user.entity';
import { UsersRepository } from './users.repository';

/** The first root: from ADMIN_EMAIL + ADMIN_PASSWORD at start, or from the CLI's create-admin. */
@Injectable()
export class RootAccountService implements OnApplicationBootstrap {
  private readonly logger = new Logger(RootAccountService.name);

  constructor(
    private readonly users: UsersRepository,
    private readonly passwords: PasswordService,
    private readonly policy: PasswordPolicy,
    @Inject(adminConfig.KEY) private readonly admin: AdminConfig,
  ) {}

  /** ADMIN_EMAIL + ADMIN_PASSWORD create the first root, once: never while any root exists. */
  async onApplicationBootstrap(): Promise<void> {
    if (!this.admin.email || !this.admin.password) return;
    if (await this.users.rootExists()) return;
    await this.createRoot(this.admin.email, this.admin.password);
    this.logger.log(`Created the root user ${this.admin.email}`);
  }

  /** Creates a confirmed root, or promotes and confirms the existing user of that address. */
  async createRoot(email: string, password: string): Promise<User> {
    // In NFC, as every address from a request is (normalizeEmail), so the root can sign in.
    const address = email.toLowerCase().normalize('NFC');
    this.policy.check(password, address);
    const passwordHash = await this.passwords.hash(password);
    const existing = await this.users.findByEmail(address);
    if (existing) {
      Object.assign(existing, { role: 'root', isConfirmed: true, isActive: true, passwordHash });
      return this.users.create(existing);
    }
    return this.users.create({
      email: address,
      role: 'root',
      isConfirmed: true,
      isActive: true,
      passwordHash,
    });
  }
}
