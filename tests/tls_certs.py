"""A throwaway certificate authority and a server certificate for 127.0.0.1 / localhost, for HTTPS tests.

Uses ``cryptography`` (a dependency of ansible-core, so present wherever the tests run). Nothing here is trusted
anywhere else: the keys live in the directory given and die with it."""

import datetime
import ipaddress
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALIDITY = datetime.timedelta(days=2)


class TestCertificates:
    """Paths of what ``make_test_certificates`` wrote."""

    __test__ = False   # not a pytest test class

    def __init__(self, directory):
        self.ca = os.path.join(directory, "ca.pem")              # the CA certificate: the bundle for ca_path
        self.server_cert = os.path.join(directory, "server.pem")
        self.server_key = os.path.join(directory, "server.key")

    @property
    def server_pair(self):
        """(certfile, keyfile), as Simulator(tls=...) takes them."""
        return self.server_cert, self.server_key


def _name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "moodleops.auth tests"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _builder(subject, issuer, public_key):
    now = datetime.datetime.now(datetime.timezone.utc)
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + VALIDITY))


def _write(path, data, private=False):
    with open(path, "wb") as handle:
        handle.write(data)
    if private:
        os.chmod(path, 0o600)


def make_test_certificates(directory):
    """Write ca.pem, server.pem and server.key (server certificate for IP 127.0.0.1 and DNS localhost, signed by
    the CA) into ``directory``; return their paths."""
    paths = TestCertificates(directory)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("moodleops.auth test CA")
    ca_cert = (_builder(ca_name, ca_name, ca_key.public_key())
               .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                            data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                            crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
               .sign(ca_key, hashes.SHA256()))
    server_key = ec.generate_private_key(ec.SECP256R1())
    server_cert = (_builder(_name("localhost"), ca_name, server_key.public_key())
                   .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                   .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                               x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                                  critical=False)
                   .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
                   .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                                  critical=False)
                   .sign(ca_key, hashes.SHA256()))
    _write(paths.ca, ca_cert.public_bytes(serialization.Encoding.PEM))
    _write(paths.server_cert, server_cert.public_bytes(serialization.Encoding.PEM))
    _write(paths.server_key, server_key.private_bytes(serialization.Encoding.PEM,
                                                      serialization.PrivateFormat.PKCS8,
                                                      serialization.NoEncryption()), private=True)
    return paths
