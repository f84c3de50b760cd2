import { Init1732460000000 } from './1732460000000-Init';
import { AuditAppendOnly1732463000000 } from './1732463000000-AuditAppendOnly';
import { UserSearchTrigram1732463100000 } from './1732463100000-UserSearchTrigram';
import { AuditFailureIndex1732463200000 } from './1732463200000-AuditFailureIndex';
import { UserLocale1764618000000 } from './1764618000000-UserLocale';
import { SecondFactor1796155945181 } from './1796155945181-SecondFactor';

/** Every migration, in order. A new migration file is added here as well. */
export const migrations = [
  Init1732460000000,
  AuditAppendOnly1732463000000,
  UserSearchTrigram1732463100000,
  AuditFailureIndex1732463200000,
  UserLocale1764618000000,
  SecondFactor1796155945181,
];
