import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

/** What a sign-in tells about its device. */
export interface DeviceSighting {
  /** When this device was last seen before this sign-in; null when never. */
  previousSeenAt: Date | null;
  /** Whether the user had signed in from any device before. */
  knownBefore: boolean;
}

@Injectable()
export class UserDevicesRepository {
  /** Records a sign-in from the device (in the login's transaction) and says what was known. */
  async record(manager: EntityManager, userId: string, device: string): Promise<DeviceSighting> {
    const [before] = await manager.query<
      Array<{ previous: Date | string | null; devices: number }>
    >(
      `SELECT max(last_seen_at) FILTER (WHERE device = $2) AS previous,
              count(*)::int AS devices
         FROM user_devices WHERE user_id = $1`,
      [userId, device],
    );
    await manager.query(
      `INSERT INTO user_devices (user_id, device) VALUES ($1, $2)
       ON CONFLICT (user_id, device) DO UPDATE SET last_seen_at = now()`,
      [userId, device],
    );
    return {
      previousSeenAt: before?.previous ? new Date(before.previous) : null,
      knownBefore: Number(before?.devices ?? 0) > 0,
    };
  }
}
