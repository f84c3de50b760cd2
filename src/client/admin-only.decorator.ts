import { applyDecorators, UseGuards } from '@nestjs/common';
import { AdminGuard } from '../common/guards/admin.guard';

/** Limits a route to `root` and `admin` callers (403 for others), as inside the auth server. */
export const AdminOnly = () => applyDecorators(UseGuards(AdminGuard));
