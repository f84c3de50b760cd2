// The format of ENCRYPTION_KEY, read by the settings (which validate it at start) and by the
// crypto module (which reads a development key file in the same format).

/** 32 bytes written as base64 (44 characters) or hex (64); undefined for anything else. */
export function parseKey(text: string): Buffer | undefined {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Buffer.from(t, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(t)) {
    const key = Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    return key.length === 32 ? key : undefined;
  }
  return undefined;
}

/** How the docs and the start message tell an operator to make a key. */
export const MAKE_KEY_HINT =
  `node -e "console.log(require('crypto').randomBytes(32).toString('base64'))"` +
  ' (or: openssl rand -base64 32)';
