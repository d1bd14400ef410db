"""Optional S/MIME: sign with the sender's key and/or encrypt to JCDC's certificate.

Uses cryptography's PKCS#7 builders. The RFC 5322 headers (Subject with its TLP label, From,
To, Message-ID, threading) stay outside the protected entity, as mail routing needs them;
everything else — both body parts and the attachments — is signed and/or encrypted.
"""

from __future__ import annotations

from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs7

SignerKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


class SmimeConfigError(ValueError):
    """A configured certificate or key cannot be used; the message says which and why."""


@dataclass(frozen=True)
class Smime:
    encrypt_to: x509.Certificate | None = None
    signer: tuple[x509.Certificate, SignerKey] | None = None

    @classmethod
    def from_files(
        cls, recipient_cert: Path | None, signer_cert: Path | None, signer_key: Path | None
    ) -> Smime | None:
        if not (recipient_cert or signer_cert or signer_key):
            return None
        if bool(signer_cert) != bool(signer_key):
            raise SmimeConfigError(
                "signing needs both JCDC_SMIME_SIGN_CERT and JCDC_SMIME_SIGN_KEY"
            )
        encrypt_to = _certificate(recipient_cert, "JCDC_SMIME_CERT") if recipient_cert else None
        signer = None
        if signer_cert and signer_key:
            signer = (_certificate(signer_cert, "JCDC_SMIME_SIGN_CERT"), _private_key(signer_key))
        return cls(encrypt_to=encrypt_to, signer=signer)

    def protect(self, message: EmailMessage) -> EmailMessage:
        entity = _content_entity(message)
        if self.signer is not None:
            certificate, key = self.signer
            entity = (
                pkcs7.PKCS7SignatureBuilder()
                .set_data(entity)
                .add_signer(certificate, key, hashes.SHA256())
                .sign(serialization.Encoding.SMIME, [pkcs7.PKCS7Options.DetachedSignature])
            )
        if self.encrypt_to is not None:
            entity = (
                pkcs7.PKCS7EnvelopeBuilder()
                .set_data(entity)
                .add_recipient(self.encrypt_to)
                .encrypt(serialization.Encoding.SMIME, [])
            )
        protected = message_from_bytes(entity, policy=policy.SMTP)
        assert isinstance(protected, EmailMessage)
        for name, value in message.items():
            if not name.lower().startswith(("content-", "mime-version")):
                protected[name] = value
        return protected


def _content_entity(message: EmailMessage) -> bytes:
    """The MIME entity under the envelope headers, with CRLF line ends as S/MIME requires."""
    entity = EmailMessage(policy=policy.SMTP)
    for name, value in message.items():
        if name.lower().startswith("content-"):
            entity[name] = value
    entity.set_payload(message.get_payload())
    return entity.as_bytes()


def _certificate(path: Path, variable: str) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(path.read_bytes())
    except (OSError, ValueError) as error:
        raise SmimeConfigError(
            f"{variable}={path} cannot be used as a PEM certificate: {error}"
        ) from error


def _private_key(path: Path) -> SignerKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as error:
        raise SmimeConfigError(
            f"JCDC_SMIME_SIGN_KEY={path} cannot be used as an unencrypted PEM private key: {error}"
        ) from error
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise SmimeConfigError("JCDC_SMIME_SIGN_KEY must be an RSA or EC key")
    return key
