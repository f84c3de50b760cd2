import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { User } from './user.entity';

/** Queries on users behind names that say what they are for. */
@Injectable()
export class UsersRepository {
  constructor(@InjectRepository(User) private readonly repo: Repository<User>) {}

  private on(manager?: EntityManager): Repository<User> {
    return manager ? manager.getRepository(User) : this.repo;
  }

  findById(id: string, manager?: EntityManager): Promise<User | null> {
    return this.on(manager).findOneBy({ id });
  }

  findByEmail(email: string, manager?: EntityManager): Promise<User | null> {
    return this.on(manager).findOneBy({ email: email.toLowerCase() });
  }

  /** The user with the password hash, for comparison only. */
  findWithPasswordByEmail(email: string, manager?: EntityManager): Promise<User | null> {
    return this.on(manager)
      .createQueryBuilder('u')
      .addSelect('u.passwordHash')
      .where('u.email = :email', { email: email.toLowerCase() })
      .getOne();
  }

  async rootExists(manager?: EntityManager): Promise<boolean> {
    return (await this.on(manager).countBy({ role: 'root' })) > 0;
  }

  /** The user with the password hash, for comparison only. */
  findWithPasswordById(id: string, manager?: EntityManager): Promise<User | null> {
    return this.on(manager)
      .createQueryBuilder('u')
      .addSelect('u.passwordHash')
      .where('u.id = :id', { id })
      .getOne();
  }

  /** Stamps a successful login; `passwordHash` replaces the stored hash (a rehash at a new cost). */
  async recordLogin(id: string, passwordHash?: string, manager?: EntityManager): Promise<void> {
    await this.on(manager).update(
      { id },
      { lastLoginAt: () => 'now()', ...(passwordHash ? { passwordHash } : {}) },
    );
  }

  async updatePassword(id: string, passwordHash: string, manager?: EntityManager): Promise<void> {
    await this.on(manager).update({ id }, { passwordHash, updatedAt: () => 'now()' });
  }

  create(fields: Partial<User>, manager?: EntityManager): Promise<User> {
    const repo = this.on(manager);
    return repo.save(repo.create({ ...fields, email: fields.email?.toLowerCase() }));
  }

  /** The address was proven: a code or link sent to it came back. */
  async markConfirmed(id: string, manager?: EntityManager): Promise<void> {
    await this.on(manager).update({ id }, { isConfirmed: true, updatedAt: () => 'now()' });
  }

  /** A new password hash (reset or first password); using a mailed code also confirms the address. */
  async setPasswordAndConfirm(
    id: string,
    passwordHash: string,
    manager?: EntityManager,
  ): Promise<void> {
    await this.on(manager).update(
      { id },
      { passwordHash, isConfirmed: true, updatedAt: () => 'now()' },
    );
  }
}
