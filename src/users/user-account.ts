import type { User } from './user.entity';

/**
 * A user as UsersService hands it to other modules. They name this type, never the entity, so the
 * table's mapping stays the users module's own; the password hash is left out (only the users
 * module compares it).
 */
export type UserAccount = Omit<User, 'passwordHash'>;
