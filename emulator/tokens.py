"""Compact JWT (RS256) signing and checking: access tokens we issue, client assertions we accept."""

import base64
import hashlib
import json
import time

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text):
    text += "=" * (-len(text) % 4)
    return base64.urlsafe_b64decode(text.encode())


class TokenInvalid(Exception):
    pass


class Signer:
    """The emulator's token-signing key (one per run, like a rotated Entra key)."""

    def __init__(self):
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = b64url(hashlib.sha256(str(id(self)).encode()).digest()[:12])

    def sign(self, claims):
        header = {"typ": "JWT", "alg": "RS256", "kid": self.kid}
        signing_input = "%s.%s" % (b64url(json.dumps(header).encode()), b64url(json.dumps(claims).encode()))
        sig = self.key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return signing_input + "." + b64url(sig)

    def verify(self, token):
        """Return the claims of a token we issued; raise TokenInvalid with a Graph-like reason."""
        header, claims, signing_input, sig = split(token)
        if header.get("kid") != self.kid or header.get("alg") != "RS256":
            raise TokenInvalid("Invalid signature.")
        try:
            self.key.public_key().verify(sig, signing_input, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            raise TokenInvalid("Invalid signature.")
        if claims.get("exp", 0) < time.time():
            raise TokenInvalid("Lifetime validation failed, the token is expired.")
        return claims


def split(token):
    try:
        h, c, s = token.split(".")
        return json.loads(b64url_decode(h)), json.loads(b64url_decode(c)), ("%s.%s" % (h, c)).encode(), b64url_decode(s)
    except (ValueError, TypeError):
        raise TokenInvalid("IDX14100: JWT is not well formed.")


def cert_thumbprints(cert_pem):
    cert = x509.load_pem_x509_certificate(cert_pem.encode() if isinstance(cert_pem, str) else cert_pem)
    der = cert.public_bytes(serialization.Encoding.DER)
    return cert, b64url(hashlib.sha1(der).digest()), b64url(hashlib.sha256(der).digest())  # nosec - x5t is SHA-1 by spec


def verify_client_assertion(assertion, cert_pems, client_id, token_endpoints):
    """Check a client assertion against an app's registered certificates (x5t or x5t#S256)."""
    header, claims, signing_input, sig = split(assertion)
    if header.get("alg") not in ("RS256", "PS256"):
        raise TokenInvalid("unsupported assertion algorithm")
    for pem in cert_pems:
        cert, x5t, x5t256 = cert_thumbprints(pem)
        # compare without base64 padding: MSAL pads x5t, the RFC does not
        if (header.get("x5t") or "").rstrip("=") == x5t or (header.get("x5t#S256") or "").rstrip("=") == x5t256:
            pad = padding.PKCS1v15() if header["alg"] == "RS256" else padding.PSS(
                mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH)
            try:
                cert.public_key().verify(sig, signing_input, pad, hashes.SHA256())
            except InvalidSignature:
                raise TokenInvalid("signature does not match the registered certificate")
            break
    else:
        raise TokenInvalid("no certificate with this thumbprint is registered on the application")
    now = time.time()
    if claims.get("iss") != client_id or claims.get("sub") != client_id:
        raise TokenInvalid("iss and sub must be the client id")
    if claims.get("exp", 0) < now or claims.get("nbf", 0) > now + 300:
        raise TokenInvalid("assertion expired or not yet valid")
    aud = claims.get("aud")
    # Entra accepts the token endpoint as audience; MSAL sends exactly that.
    if aud not in token_endpoints:
        raise TokenInvalid("audience must be the token endpoint %s" % token_endpoints[0])
    return claims
