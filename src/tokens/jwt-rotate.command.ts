import type { INestApplicationContext } from '@nestjs/common';
import { SigningKeysService } from './signing-keys.service';

export const JWT_ROTATE_USAGE = `  npm run cli -- jwt-rotate
      Retires the current JWT signing key and signs with a new one from now on, on every
      instance. The retired key stays in /.well-known/jwks.json until the tokens it signed expire.`;

/** `npm run cli -- jwt-rotate`: the line it prints names the new key and the retired one. */
export async function jwtRotateCommand(
  app: INestApplicationContext,
  out: NodeJS.WritableStream,
): Promise<number> {
  const { kid, retired } = await app.get(SigningKeysService).rotate();
  out.write(`JWT signing key ${kid} is current${retired ? `; ${retired} is retired` : ''}.\n`);
  return 0;
}
