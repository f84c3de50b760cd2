import { ConfigType, registerAs } from '@nestjs/config';
import { loadSettings } from './settings';

// One namespace per area; each reads the environment when the application is created, so two apps
// in one process (tests) may run with different settings.
export const appConfig = registerAs('app', () => loadSettings().app);
export const opsConfig = registerAs('ops', () => loadSettings().ops);
export const databaseConfig = registerAs('database', () => loadSettings().database);
export const mailConfig = registerAs('mail', () => loadSettings().mail);
export const authConfig = registerAs('auth', () => loadSettings().auth);
export const otpConfig = registerAs('otp', () => loadSettings().otp);
export const throttleConfig = registerAs('throttle', () => loadSettings().throttle);
export const auditConfig = registerAs('audit', () => loadSettings().audit);
export const adminConfig = registerAs('admin', () => loadSettings().admin);
export const servicesConfig = registerAs('services', () => loadSettings().services);
export const cryptoConfig = registerAs('crypto', () => loadSettings().crypto);
export const jwtConfig = registerAs('jwt', () => loadSettings().jwt);
export const webauthnConfig = registerAs('webauthn', () => loadSettings().webauthn);
export const oauthConfig = registerAs('oauth', () => loadSettings().oauth);
export const webhooksConfig = registerAs('webhooks', () => loadSettings().webhooks);

export const allConfigs = [
  appConfig,
  opsConfig,
  databaseConfig,
  mailConfig,
  authConfig,
  otpConfig,
  throttleConfig,
  auditConfig,
  adminConfig,
  servicesConfig,
  cryptoConfig,
  jwtConfig,
  webauthnConfig,
  oauthConfig,
  webhooksConfig,
];

export type AppConfig = ConfigType<typeof appConfig>;
export type OpsConfig = ConfigType<typeof opsConfig>;
export type DatabaseConfig = ConfigType<typeof databaseConfig>;
export type MailConfig = ConfigType<typeof mailConfig>;
export type AuthConfig = ConfigType<typeof authConfig>;
export type OtpConfig = ConfigType<typeof otpConfig>;
export type ThrottleConfig = ConfigType<typeof throttleConfig>;
export type AuditConfig = ConfigType<typeof auditConfig>;
export type AdminConfig = ConfigType<typeof adminConfig>;
export type ServicesConfig = ConfigType<typeof servicesConfig>;
export type CryptoConfig = ConfigType<typeof cryptoConfig>;
export type JwtConfig = ConfigType<typeof jwtConfig>;
export type WebAuthnConfig = ConfigType<typeof webauthnConfig>;
export type OAuthConfig = ConfigType<typeof oauthConfig>;
export type WebhooksConfig = ConfigType<typeof webhooksConfig>;
