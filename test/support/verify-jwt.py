"""Verifies a JWT the way a Python service would: PyJWT's PyJWKClient fetches the key set, the
signature, issuer, audience and lifetime are checked, and the claims are printed as JSON.

Usage: python3 verify-jwt.py <jwks url> <issuer> <audience> <jwt>; exit 1 with the reason on stderr
when the token does not verify."""
import json
import sys

import jwt

jwks_url, issuer, audience, token = sys.argv[1:5]
try:
    key = jwt.PyJWKClient(jwks_url).get_signing_key_from_jwt(token)
    claims = jwt.decode(
        token,
        key.key,
        algorithms=["EdDSA", "ES256"],
        issuer=issuer,
        audience=audience,
        options={"require": ["exp", "iat", "nbf", "iss", "aud", "sub"]},
    )
except jwt.PyJWTError as e:
    print(f"{type(e).__name__}: {e}", file=sys.stderr)
    sys.exit(1)
print(json.dumps({"kid": key.key_id, "claims": claims}))
