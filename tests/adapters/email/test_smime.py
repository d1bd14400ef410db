"""S/MIME: an encrypted message decrypts with the test key; a signed one verifies (and a
tampered one does not), checked by the openssl command line."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID

from adapters.email.message import MailEnvelope, build_submission_email
from adapters.email.smime import Smime, SmimeConfigError
from documents.assembly import assemble
from tests.documents.report_fixture import busy_report

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def make_identity(address: str) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, address)])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=3650))
        .add_extension(x509.SubjectAlternativeName([x509.RFC822Name(address)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    return certificate, key


@pytest.fixture(scope="module")
def jcdc() -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    return make_identity("CISA.JCDC@cisa.dhs.gov")


@pytest.fixture(scope="module")
def sender() -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    return make_identity("ir@example.com")


def submission() -> EmailMessage:
    h, state = busy_report()
    return build_submission_email(
        assemble(state, h.checklist),
        MailEnvelope(sender="ir@example.com", recipients=("CISA.JCDC@cisa.dhs.gov",)),
        message_id="<m1@example.com>",
        date=NOW,
    )


def test_encrypted_message_decrypts_with_the_recipient_key(
    jcdc: tuple[x509.Certificate, rsa.RSAPrivateKey],
) -> None:
    certificate, key = jcdc
    protected = Smime(encrypt_to=certificate).protect(submission())
    assert protected.get_content_type() == "application/pkcs7-mime"
    assert protected["Subject"].startswith("TLP:AMBER - ")  # routing headers stay outside
    assert protected["Message-ID"] == "<m1@example.com>"
    raw = protected.as_bytes()
    assert b"Prompt injection" not in raw.split(b"\r\n\r\n", 1)[1]
    inner = message_from_bytes(
        pkcs7.pkcs7_decrypt_smime(raw, certificate, key, []), policy=policy.default
    )
    assert isinstance(inner, EmailMessage)
    plain = inner.get_body(("plain",))
    assert plain is not None
    assert plain.get_content().startswith("TLP:AMBER")
    assert {p.get_filename() for p in inner.iter_attachments()} == {
        "report.json",
        "report.md",
        "report.stix.json",
    }


def test_signed_message_verifies_and_tampering_is_detected(
    tmp_path: Path,
    sender: tuple[x509.Certificate, rsa.RSAPrivateKey],
) -> None:
    protected = Smime(signer=sender).protect(submission())
    assert protected.get_content_type() == "multipart/signed"
    signed = tmp_path / "signed.eml"
    signed.write_bytes(protected.as_bytes())

    def verify(path: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                "openssl",
                "smime",
                "-verify",
                "-noverify",
                "-in",
                str(path),
                "-out",
                str(tmp_path / "content"),
            ],
            capture_output=True,
            text=True,
            check=False,
        )

    good = verify(signed)
    assert good.returncode == 0, good.stderr
    assert "Verification successful" in good.stderr
    assert "TLP:AMBER" in (tmp_path / "content").read_text()

    tampered = tmp_path / "tampered.eml"
    data = signed.read_bytes()
    body_start = data.index(b"\r\n\r\n")  # past the unsigned routing headers
    at = data.index(b"Prompt injection", body_start)
    tampered.write_bytes(data[:at] + b"Prompt inJection" + data[at + 16 :])
    assert verify(tampered).returncode != 0


def test_sign_then_encrypt(
    jcdc: tuple[x509.Certificate, rsa.RSAPrivateKey],
    sender: tuple[x509.Certificate, rsa.RSAPrivateKey],
) -> None:
    certificate, key = jcdc
    protected = Smime(encrypt_to=certificate, signer=sender).protect(submission())
    inner = pkcs7.pkcs7_decrypt_smime(protected.as_bytes(), certificate, key, [])
    assert b"multipart/signed" in inner


def test_unusable_files_are_reported_clearly(
    tmp_path: Path, sender: tuple[x509.Certificate, rsa.RSAPrivateKey]
) -> None:
    bogus = tmp_path / "bogus.pem"
    bogus.write_text("not a certificate")
    with pytest.raises(SmimeConfigError, match=r"JCDC_SMIME_CERT=.*bogus\.pem cannot be used"):
        Smime.from_files(bogus, None, None)
    with pytest.raises(SmimeConfigError, match="needs both"):
        Smime.from_files(None, bogus, None)
    certificate, key = sender
    cert_file = tmp_path / "cert.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file = tmp_path / "key.pem"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    loaded = Smime.from_files(cert_file, cert_file, key_file)
    assert loaded is not None
    assert loaded.encrypt_to == certificate
    assert Smime.from_files(None, None, None) is None
