import { Module } from '@nestjs/common';
import { PasswordPolicy } from './password-policy';
import { PasswordService } from './password.service';

/** Password hashing and rules on their own, so Users and Auth can both use it without importing each other. */
@Module({
  providers: [PasswordService, PasswordPolicy],
  exports: [PasswordService, PasswordPolicy],
})
export class PasswordsModule {}
