import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'auth:public';

/** Opts a route (or controller) out of the global AuthGuard. */
export const Public = () => SetMetadata(IS_PUBLIC, true);
