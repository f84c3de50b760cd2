import { Module } from '@nestjs/common';
import { PasswordService } from './password.service';

/** Password hashing on its own, so Users and Auth can both use it without importing each other. */
@Module({ providers: [PasswordService], exports: [PasswordService] })
export class PasswordModule {}
