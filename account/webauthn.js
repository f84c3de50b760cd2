// WebAuthn in the browser without a library: the server sends its options as JSON (binary values
// as base64url strings, as @simplewebauthn/server makes them) and takes the browser's answer back
// as JSON in the same form (RegistrationResponseJSON, AuthenticationResponseJSON).

export function fromBase64url(text) {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0)).buffer;
}

export function toBase64url(buffer) {
  let bin = '';
  for (const byte of new Uint8Array(buffer)) bin += String.fromCharCode(byte);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const withIds = (list) => (list ?? []).map((c) => ({ ...c, id: fromBase64url(c.id) }));

/** PublicKeyCredentialCreationOptionsJSON → the options of navigator.credentials.create. */
export function creationOptions(json) {
  return {
    ...json,
    challenge: fromBase64url(json.challenge),
    user: { ...json.user, id: fromBase64url(json.user.id) },
    excludeCredentials: withIds(json.excludeCredentials),
  };
}

/** PublicKeyCredentialRequestOptionsJSON → the options of navigator.credentials.get. */
export function requestOptions(json) {
  return {
    ...json,
    challenge: fromBase64url(json.challenge),
    allowCredentials: withIds(json.allowCredentials),
  };
}

function common(cred) {
  return {
    id: cred.id,
    rawId: toBase64url(cred.rawId),
    type: cred.type,
    authenticatorAttachment: cred.authenticatorAttachment ?? undefined,
    clientExtensionResults: cred.getClientExtensionResults(),
  };
}

/** A new credential (navigator.credentials.create) as RegistrationResponseJSON. */
export function registrationJSON(cred) {
  const r = cred.response;
  return {
    ...common(cred),
    response: {
      clientDataJSON: toBase64url(r.clientDataJSON),
      attestationObject: toBase64url(r.attestationObject),
      transports: r.getTransports?.() ?? [],
      ...(r.getPublicKeyAlgorithm ? { publicKeyAlgorithm: r.getPublicKeyAlgorithm() } : {}),
      ...(r.getPublicKey?.() ? { publicKey: toBase64url(r.getPublicKey()) } : {}),
      ...(r.getAuthenticatorData
        ? { authenticatorData: toBase64url(r.getAuthenticatorData()) }
        : {}),
    },
  };
}

/** An assertion (navigator.credentials.get) as AuthenticationResponseJSON. */
export function authenticationJSON(cred) {
  const r = cred.response;
  return {
    ...common(cred),
    response: {
      clientDataJSON: toBase64url(r.clientDataJSON),
      authenticatorData: toBase64url(r.authenticatorData),
      signature: toBase64url(r.signature),
      ...(r.userHandle ? { userHandle: toBase64url(r.userHandle) } : {}),
    },
  };
}

/** Whether this browser offers passkeys in the autofill of the email field. */
export async function autofillAvailable() {
  return Boolean(
    window.PublicKeyCredential && (await PublicKeyCredential.isConditionalMediationAvailable?.()),
  );
}

export const passkeysSupported = () => Boolean(window.PublicKeyCredential);
