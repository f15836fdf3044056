"""Generate every certificate and key the suite needs, with the openssl CLI.

Layout: root CA -> intermediate CA -> leaves.  All server leaves carry
SAN ``DNS:localhost, IP:127.0.0.1`` unless their purpose says otherwise.
Everything is written once per session into a temporary directory;
``Certs`` exposes paths and bytes.
"""
from __future__ import annotations

import datetime as _dt
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

OPENSSL = "/usr/bin/openssl"


@dataclass(frozen=True)
class Blob:
    """One file: its path and its bytes."""

    path: Path

    @property
    def data(self) -> bytes:
        return self.path.read_bytes()


@dataclass
class Key:
    """A private key in every encoding openssl can produce for its type.

    ``formats`` maps names such as ``pkcs8_pem``, ``pkcs8_der``, ``pkcs1_pem``,
    ``pkcs1_der``, ``sec1_pem``, ``sec1_der`` to a Blob.
    """

    kind: str
    formats: dict[str, Blob] = field(default_factory=dict)

    @property
    def pem(self) -> Blob:
        return self.formats["pkcs8_pem"]

    @property
    def der(self) -> Blob:
        return self.formats["pkcs8_der"]


@dataclass
class Cert:
    name: str
    pem: Blob
    der: Blob


@dataclass
class Leaf:
    """A certificate with its key; ``chain`` is leaf + intermediate (PEM)."""

    name: str
    cert: Cert
    key: Key
    chain: Blob | None = None      # leaf + intermediate, PEM
    combined: Blob | None = None   # leaf + intermediate + key, PEM (certfile with key inside)


def _run(*args: str, cwd: Path) -> None:
    proc = subprocess.run([OPENSSL, *args], cwd=cwd, capture_output=True, timeout=60)
    if proc.returncode != 0:
        raise RuntimeError(
            f"openssl {' '.join(args)} failed:\n{proc.stderr.decode(errors='replace')}"
        )


def _stamp(d: _dt.datetime) -> str:
    return d.strftime("%Y%m%d%H%M%SZ")


_EXTENSIONS = """
[root]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[inter]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[server_rsa]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[wronghost]
# CN=localhost but SAN only DNS:wrong.example: the CN must be ignored.
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:wrong.example
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[selfsigned_leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash

[cnonly]
# Like MicroPython's own test certificates: CA:TRUE, a CN, no subjectAltName.
basicConstraints = critical, CA:TRUE
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[selfsigned_client]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash

[client]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
"""

_CA_CONF = """
[ca]
default_ca = ca_default

[ca_default]
dir = {dir}
database = $dir/index.txt
new_certs_dir = $dir/newcerts
serial = $dir/serial
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = none
email_in_dn = no

[policy_any]
commonName = supplied
organizationName = optional

[req]
distinguished_name = dn
prompt = no

[dn]
CN = unused
"""


class Certs:
    """All generated material.  Build with ``Certs.generate(directory)``."""

    # Names of the server leaves signed by the intermediate, by key type.
    KEY_TYPES = ("rsa", "p256", "p384", "ed25519")

    def __init__(self, directory: Path):
        self.dir = directory
        self.root: Leaf
        self.inter: Leaf
        self.leaves: dict[str, Leaf] = {}
        # Leaves under a root of their own (name -> that root).
        self.other_roots: dict[str, Leaf] = {}
        # Unsupported key types (self-signed certificates), for negative tests.
        self.unsupported: dict[str, Leaf] = {}

    # -- generation -------------------------------------------------------
    @classmethod
    def generate(cls, directory: Path) -> "Certs":
        directory.mkdir(parents=True, exist_ok=True)
        self = cls(directory)
        (directory / "newcerts").mkdir(exist_ok=True)
        (directory / "index.txt").write_text("")
        (directory / "serial").write_text("1000\n")
        (directory / "ca.cnf").write_text(_CA_CONF.format(dir=directory))
        (directory / "ext.cnf").write_text(_EXTENSIONS)

        now = _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0)
        day = _dt.timedelta(days=1)
        valid = (now - day, now + 3650 * day)

        self.root = self._make("root", "ec:P-256", "Test Root CA", "root", None, valid)
        self.inter = self._make("inter", "ec:P-256", "Test Intermediate CA", "inter", self.root, valid)

        for kind in self.KEY_TYPES:
            algo = {"rsa": "rsa:2048", "p256": "ec:P-256", "p384": "ec:P-384", "ed25519": "ed25519"}[kind]
            ext = "server_rsa" if kind == "rsa" else "server"
            self.leaves[kind] = self._make(kind, algo, "localhost", ext, self.inter, valid)

        self.leaves["expired"] = self._make(
            "expired", "ec:P-256", "localhost", "server", self.inter,
            (_dt.datetime(2020, 1, 1, tzinfo=_dt.timezone.utc), _dt.datetime(2021, 1, 1, tzinfo=_dt.timezone.utc)),
        )
        self.leaves["notyet"] = self._make(
            "notyet", "ec:P-256", "localhost", "server", self.inter, (now + 3650 * day, now + 7300 * day)
        )
        self.leaves["wronghost"] = self._make("wronghost", "ec:P-256", "localhost", "wronghost", self.inter, valid)
        self.leaves["untrusted"] = self._make("untrusted", "ec:P-256", "localhost", "selfsigned_leaf", None, valid)
        self.leaves["cnonly"] = self._make("cnonly", "ec:P-256", "localhost", "cnonly", None, valid)
        self.leaves["cnonly_rsa"] = self._make("cnonly_rsa", "rsa:2048", "localhost", "cnonly", None, valid)
        self.leaves["cnonly_expired"] = self._make(
            "cnonly_expired", "ec:P-256", "localhost", "cnonly", None,
            (_dt.datetime(2020, 1, 1, tzinfo=_dt.timezone.utc), _dt.datetime(2021, 1, 1, tzinfo=_dt.timezone.utc)),
        )
        self.leaves["client"] = self._make("client", "ec:P-256", "test client", "client", self.inter, valid)
        self.leaves["untrusted_client"] = self._make("untrusted_client", "ec:P-256", "rogue client",
                                                     "selfsigned_client", None, valid)
        # Chains of other shapes, each under a root of its own, for the
        # handshakes' deepest stacks: Let's Encrypt's ECDSA shape (a P-256
        # leaf under a P-384 intermediate and root, like E5 under ISRG Root
        # X2: P-384 verification inside webpki's path building), and
        # Ed25519 all the way.
        for name, ca_algo, leaf_algo in (("le_ecdsa", "ec:P-384", "ec:P-256"),
                                         ("ed25519_chain", "ed25519", "ed25519")):
            root = self._make(f"{name}_root", ca_algo, f"{name} Root", "root", None, valid)
            inter = self._make(f"{name}_inter", ca_algo, f"{name} Intermediate", "inter", root, valid)
            self.leaves[name] = self._make(name, leaf_algo, "localhost", "server", inter, valid)
            self.other_roots[name] = root
        # A second, unrelated self-signed CA: used as noise in multi-certificate cadata.
        self.leaves["other_ca"] = self._make("other_ca", "ec:P-256", "Unrelated CA", "root", None, valid)

        for kind, algo in (("p521", "ec:P-521"), ("ed448", "ed448")):
            self.unsupported[kind] = self._make(kind, algo, "localhost", "selfsigned_leaf", None, valid)
        return self

    def _genkey(self, name: str, algo: str) -> Key:
        d = self.dir
        p8 = f"{name}.key.pem"
        if algo.startswith("rsa:"):
            _run("genpkey", "-algorithm", "RSA", "-pkeyopt", f"rsa_keygen_bits:{algo[4:]}", "-out", p8, cwd=d)
            kind = "rsa"
        elif algo.startswith("ec:"):
            _run("genpkey", "-algorithm", "EC", "-pkeyopt", f"ec_paramgen_curve:{algo[3:]}",
                 "-pkeyopt", "ec_param_enc:named_curve", "-out", p8, cwd=d)
            kind = "ec"
        else:
            _run("genpkey", "-algorithm", algo, "-out", p8, cwd=d)
            kind = algo
        key = Key(kind)
        key.formats["pkcs8_pem"] = Blob(d / p8)
        _run("pkey", "-in", p8, "-outform", "DER", "-out", f"{name}.key.pk8.der", cwd=d)
        key.formats["pkcs8_der"] = Blob(d / f"{name}.key.pk8.der")
        if kind == "rsa":
            _run("rsa", "-in", p8, "-traditional", "-out", f"{name}.key.pkcs1.pem", cwd=d)
            _run("rsa", "-in", p8, "-traditional", "-outform", "DER", "-out", f"{name}.key.pkcs1.der", cwd=d)
            key.formats["pkcs1_pem"] = Blob(d / f"{name}.key.pkcs1.pem")
            key.formats["pkcs1_der"] = Blob(d / f"{name}.key.pkcs1.der")
        elif kind == "ec":
            # `openssl ec` writes the traditional SEC1 structure (RFC 5915).
            _run("ec", "-in", p8, "-out", f"{name}.key.sec1.pem", cwd=d)
            _run("ec", "-in", p8, "-outform", "DER", "-out", f"{name}.key.sec1.der", cwd=d)
            key.formats["sec1_pem"] = Blob(d / f"{name}.key.sec1.pem")
            key.formats["sec1_der"] = Blob(d / f"{name}.key.sec1.der")
        return key

    def _make(self, name, algo, cn, ext, issuer: Leaf | None, dates) -> Leaf:
        d = self.dir
        key = self._genkey(name, algo)
        _run("req", "-new", "-config", "ca.cnf", "-key", key.pem.path.name, "-subj", f"/CN={cn}",
             "-out", f"{name}.csr", cwd=d)
        args = ["ca", "-batch", "-config", "ca.cnf", "-notext", "-in", f"{name}.csr",
                "-out", f"{name}.crt.pem", "-extfile", "ext.cnf", "-extensions", ext,
                "-startdate", _stamp(dates[0]), "-enddate", _stamp(dates[1])]
        if issuer is None:
            args += ["-selfsign", "-keyfile", key.pem.path.name]
        else:
            args += ["-cert", issuer.cert.pem.path.name, "-keyfile", issuer.key.pem.path.name]
        signer = algo if issuer is None else issuer.key.kind
        if signer in ("ed25519", "ed448"):
            args += ["-md", "default"]
        _run(*args, cwd=d)
        _run("x509", "-in", f"{name}.crt.pem", "-outform", "DER", "-out", f"{name}.crt.der", cwd=d)
        cert = Cert(name, Blob(d / f"{name}.crt.pem"), Blob(d / f"{name}.crt.der"))
        leaf = Leaf(name, cert, key)
        if issuer is not None and issuer is not getattr(self, "root", None) and ext not in ("root", "inter"):
            chain = d / f"{name}.chain.pem"
            chain.write_bytes(cert.pem.data + issuer.cert.pem.data)
            leaf.chain = Blob(chain)
            combined = d / f"{name}.combined.pem"
            combined.write_bytes(chain.read_bytes() + key.pem.data)
            leaf.combined = Blob(combined)
        return leaf

    # -- convenience -------------------------------------------------------
    def __getitem__(self, name: str) -> Leaf:
        return self.leaves[name]

    def root_of(self, name: str) -> Leaf:
        """The root a leaf chains to."""
        return self.other_roots.get(name, self.root)

    def ca_bundle(self, *names: str) -> bytes:
        """Concatenated PEM of the named certificates ('root', 'inter' or leaf names)."""
        out = b""
        for n in names:
            leaf = {"root": self.root, "inter": self.inter}.get(n) or self.leaves[n]
            out += leaf.cert.pem.data
        return out
