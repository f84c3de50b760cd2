// The server's client entry (`nest-email-auth/client`), kept so that existing imports keep
// working: the client is its own package now, `nest-email-auth-client` (packages/client), which
// installs without TypeORM, pg, bcrypt or the mailer.
export * from 'nest-email-auth-client';
