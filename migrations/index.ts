import { Init1732460000000 } from './1732460000000-Init';
import { AuditAppendOnly1732463000000 } from './1732463000000-AuditAppendOnly';
import { UserSearchTrigram1732463100000 } from './1732463100000-UserSearchTrigram';
import { AuditFailureIndex1732463200000 } from './1732463200000-AuditFailureIndex';
import { UserLocale1764618000000 } from './1764618000000-UserLocale';
import { UsersLastLoginOrder1796155500529 } from './1796155500529-UsersLastLoginOrder';
import { MailOutboxAdminAndDevices1796156012245 } from './1796156012245-MailOutboxAdminAndDevices';
import { UsersStateIndex1796157483478 } from './1796157483478-UsersStateIndex';
import { AuditPseudonymise1796157602809 } from './1796157602809-AuditPseudonymise';
import { LoginReservations1796165741748 } from './1796165741748-LoginReservations';
import { AuditClientRequestId1796166142797 } from './1796166142797-AuditClientRequestId';
import { AuditHashChain1796167000000 } from './1796167000000-AuditHashChain';
import { SecondFactor1796168000000 } from './1796168000000-SecondFactor';
import { EmailsNfc1796169000000 } from './1796169000000-EmailsNfc';
import { AuditChainGuard1796170310000 } from './1796170310000-AuditChainGuard';
import { JwtSigningKeys1796171000000 } from './1796171000000-JwtSigningKeys';
import { Webhooks1796172000000 } from './1796172000000-Webhooks';
import { Passkeys1796173000000 } from './1796173000000-Passkeys';
import { Identities1796174000000 } from './1796174000000-Identities';
import { WebhookDueOrder1796175000000 } from './1796175000000-WebhookDueOrder';

/** Every migration, in order. A new migration file is added here as well. */
export const migrations = [
  Init1732460000000,
  AuditAppendOnly1732463000000,
  UserSearchTrigram1732463100000,
  AuditFailureIndex1732463200000,
  UserLocale1764618000000,
  UsersLastLoginOrder1796155500529,
  MailOutboxAdminAndDevices1796156012245,
  UsersStateIndex1796157483478,
  AuditPseudonymise1796157602809,
  LoginReservations1796165741748,
  AuditClientRequestId1796166142797,
  AuditHashChain1796167000000,
  SecondFactor1796168000000,
  EmailsNfc1796169000000,
  AuditChainGuard1796170310000,
  JwtSigningKeys1796171000000,
  Webhooks1796172000000,
  Passkeys1796173000000,
  Identities1796174000000,
  WebhookDueOrder1796175000000,
];
