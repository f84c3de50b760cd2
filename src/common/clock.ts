import { Injectable } from '@nestjs/common';

/**
 * The time that rules computed in the process (TOTP steps) read, as a provider: a test moves it
 * (`jest.spyOn(app.get(Clock), 'now')`) instead of waiting for a 30 s step to pass.
 */
@Injectable()
export class Clock {
  now(): number {
    return Date.now();
  }
}
