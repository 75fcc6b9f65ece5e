"""A private CA and a server certificate for the simulator's HTTPS.

Clients verify the server with the CA file (``ca.pem``); the certificate
names localhost, 127.0.0.1, ::1 and the address the simulator binds to.
Existing files are reused so that clients keep trusting a restarted
simulator that uses the same state directory.
"""

import datetime
import ipaddress
import os

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography import x509
from cryptography.x509.oid import NameOID

CA_FILE = 'ca.pem'
CERT_FILE = 'server.pem'
KEY_FILE = 'server-key.pem'


def _name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _alt_names(host):
    names = {x509.DNSName('localhost'),
             x509.IPAddress(ipaddress.ip_address('127.0.0.1')),
             x509.IPAddress(ipaddress.ip_address('::1'))}
    if host and host not in ('0.0.0.0', '::'):
        try:
            names.add(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.add(x509.DNSName(host))
    return sorted(names, key=str)


def _covers(cert_path, host):
    with open(cert_path, 'rb') as f:
        cert = x509.load_pem_x509_certificate(f.read())
    san = cert.extensions.get_extension_for_class(
        x509.SubjectAlternativeName).value
    return set(_alt_names(host)) <= set(san)


def ensure_certificates(directory, host):
    """Make (or reuse) the CA and server files; return their paths."""
    os.makedirs(directory, exist_ok=True)
    paths = tuple(os.path.join(directory, n)
                  for n in (CA_FILE, CERT_FILE, KEY_FILE))
    if all(os.path.exists(p) for p in paths) and _covers(paths[1], host):
        return paths
    now = datetime.datetime.now(datetime.timezone.utc)
    start, end = now - datetime.timedelta(days=1), now + datetime.timedelta(
        days=3650)

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = (x509.CertificateBuilder()
               .subject_name(_name('scaleio-sim test CA'))
               .issuer_name(_name('scaleio-sim test CA'))
               .public_key(ca_key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(start).not_valid_after(end)
               .add_extension(x509.BasicConstraints(ca=True, path_length=0),
                              critical=True)
               .add_extension(x509.KeyUsage(
                   digital_signature=True, key_cert_sign=True, crl_sign=True,
                   content_commitment=False, key_encipherment=False,
                   data_encipherment=False, key_agreement=False,
                   encipher_only=False, decipher_only=False), critical=True)
               .sign(ca_key, hashes.SHA256()))

    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(_name('scaleio-sim gateway'))
            .issuer_name(ca_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(end)
            .add_extension(x509.SubjectAlternativeName(_alt_names(host)),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None),
                           critical=True)
            .add_extension(x509.ExtendedKeyUsage(
                [x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256()))

    pem = serialization.Encoding.PEM
    with open(paths[0], 'wb') as f:
        f.write(ca_cert.public_bytes(pem))
    with open(paths[1], 'wb') as f:
        f.write(cert.public_bytes(pem))
    fd = os.open(paths[2], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'wb') as f:
        f.write(key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    return paths
