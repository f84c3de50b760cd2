import { LoggerService } from '@nestjs/common';
import pino, { DestinationStream, Logger } from 'pino';

/** Keys whose values never reach a log line, wherever they appear in a logged object. */
const SECRET_KEYS = [
  'password',
  'new_password',
  'current_password',
  'password1',
  'token',
  'code',
  'token_hash',
  'password_hash',
  'authorization',
  'cookie',
];

export function createLogger(level: string, format: 'json' | 'pretty' = 'json'): Logger {
  return pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      serializers: { err: serializeError },
      redact: {
        paths: [...SECRET_KEYS, ...SECRET_KEYS.map((k) => `*.${k}`)],
        censor: '[redacted]',
      },
    },
    format === 'pretty' ? prettyStream() : undefined,
  );
}

/**
 * pino-pretty as a stream in this thread (no worker transport: the lines stay in order with
 * Nest's and a crash still flushes them). Loaded only for `pretty`, so JSON logging never pays.
 */
function prettyStream(): DestinationStream {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pretty = require('pino-pretty') as typeof import('pino-pretty');
  return pretty({ sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' });
}

/**
 * Pino's error serializer copies every property of an error: a failed query (TypeORM's
 * QueryFailedError) would log its `parameters`, which may hold password or token hashes.
 */
export function serializeError(e: unknown) {
  const out = pino.stdSerializers.err(e as Error) as Record<string, unknown>;
  delete out.parameters;
  return out;
}

/** Nest's logger interface over pino, so Nest's own lines are JSON too. */
export class PinoLoggerService implements LoggerService {
  constructor(readonly pino: Logger) {}

  private write(
    level: 'info' | 'error' | 'warn' | 'debug' | 'trace',
    message: unknown,
    rest: unknown[],
  ) {
    const context = typeof rest[rest.length - 1] === 'string' ? (rest.pop() as string) : undefined;
    if (message instanceof Error) {
      this.pino[level]({ context, err: message }, message.message);
    } else if (typeof message === 'object' && message !== null) {
      this.pino[level]({ context, ...message });
    } else {
      const stack = level === 'error' && typeof rest[0] === 'string' ? rest[0] : undefined;
      this.pino[level]({ context, ...(stack ? { stack } : {}) }, String(message));
    }
  }

  log(message: unknown, ...rest: unknown[]) {
    this.write('info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]) {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]) {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]) {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]) {
    this.write('trace', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]) {
    this.write('error', message, rest);
  }
}
