"""The signing keys of identity: RS256 key pairs kept in its own database, the private half
encrypted (PKCS#8 with a passphrase from the environment or a file), published at `jwks_uri`.

Rotation: a new key becomes active and signs from then on; the one it replaces keeps being
published ("retiring") so that tokens it signed still verify, until the next rotation retires
it. So during a rollover the JWKS holds two keys. `python -m identity.keys rotate` or
`POST /oauth2/jwks/rotate` (admin) rotates.
"""

from __future__ import annotations

import argparse
import threading
import uuid
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc.jwk import RSAKey
from pymongo import ASCENDING, IndexModel
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from wspolpraca.envelope import utcnow
from wspolpraca.mongo import Collection

SIGNING_KEYS = "signing_keys"
ALGORITHM = "RS256"
KEY_BITS = 2048


class KeyStatus:
    ACTIVE = "active"       # signs new tokens, published
    RETIRING = "retiring"   # published, signs nothing (tokens it signed still verify)
    RETIRED = "retired"     # neither


PUBLISHED = (KeyStatus.ACTIVE, KeyStatus.RETIRING)

COLLECTION = Collection(SIGNING_KEYS, (
    IndexModel([("status", ASCENDING)], name="one_active", unique=True,
               partialFilterExpression={"status": KeyStatus.ACTIVE}),
))


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private: RSAKey

    @property
    def public_jwk(self) -> dict[str, Any]:
        return public_jwk(self.private, self.kid)


def public_jwk(key: RSAKey, kid: str) -> dict[str, Any]:
    jwk = {k: v for k, v in key.as_dict(private=False).items() if k in ("kty", "n", "e")}
    jwk.update(kid=kid, use="sig", alg=ALGORITHM)
    return jwk


def new_key_record(passphrase: bytes, now=None) -> dict[str, Any]:
    private = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.BestAvailableEncryption(passphrase))
    kid = uuid.uuid4().hex
    key = RSAKey.import_key(private)
    now = now or utcnow()
    return {"_id": kid, "status": KeyStatus.ACTIVE, "alg": ALGORITHM,
            "private_pem": pem.decode("ascii"), "public_jwk": public_jwk(key, kid),
            "created_at": now, "activated_at": now}


class KeyRing:
    """The keys of one process: the active one decrypted once and kept."""

    def __init__(self, passphrase: bytes) -> None:
        self.passphrase = passphrase
        self._cache: dict[str, SigningKey] = {}
        self._lock = threading.Lock()

    def _load(self, record: dict[str, Any]) -> SigningKey:
        with self._lock:
            found = self._cache.get(record["_id"])
            if found is None:
                private = serialization.load_pem_private_key(
                    record["private_pem"].encode("ascii"), password=self.passphrase)
                found = SigningKey(record["_id"], RSAKey.import_key(
                    private, parameters={"kid": record["_id"], "alg": ALGORITHM, "use": "sig"}))
                self._cache[record["_id"]] = found
            return found

    def ensure(self, db: Database) -> SigningKey:
        """The active key, created when there is none (the first start)."""
        record = db[SIGNING_KEYS].find_one({"status": KeyStatus.ACTIVE})
        if record is None:
            record = new_key_record(self.passphrase)
            try:
                db[SIGNING_KEYS].insert_one(record)
            except DuplicateKeyError:  # another instance created it first
                record = db[SIGNING_KEYS].find_one({"status": KeyStatus.ACTIVE})
        return self._load(record)

    active = ensure

    def rotate(self, db: Database) -> SigningKey:
        """A new active key; the previous one retiring (still published), older ones retired."""
        now = utcnow()
        record = new_key_record(self.passphrase, now)
        db[SIGNING_KEYS].update_many({"status": KeyStatus.RETIRING},
                                     {"$set": {"status": KeyStatus.RETIRED, "retired_at": now}})
        db[SIGNING_KEYS].update_many({"status": KeyStatus.ACTIVE},
                                     {"$set": {"status": KeyStatus.RETIRING,
                                               "retiring_since": now}})
        db[SIGNING_KEYS].insert_one(record)
        return self._load(record)


def jwks(db: Database) -> dict[str, Any]:
    """The published keys, the active one first."""
    records = db[SIGNING_KEYS].find({"status": {"$in": list(PUBLISHED)}},
                                    {"public_jwk": 1, "status": 1})
    ordered = sorted(records, key=lambda r: r["status"] != KeyStatus.ACTIVE)
    return {"keys": [r["public_jwk"] for r in ordered]}


def main(argv: list[str] | None = None) -> int:
    """`python -m identity.keys rotate|show`: rotate the signing keys (the database and the
    passphrase from the environment, as the service reads them)."""
    from pymongo import MongoClient

    from identity.config import load_identity_settings
    from wspolpraca.config import load_settings

    parser = argparse.ArgumentParser(prog="python -m identity.keys")
    parser.add_argument("command", choices=["rotate", "show"])
    args = parser.parse_args(argv)
    settings = load_settings("identity")
    own = load_identity_settings(settings)
    client = MongoClient(settings.mongo_uri, tz_aware=True)
    db = client[settings.mongo_database]
    ring = KeyRing(own.key_passphrase)
    if args.command == "rotate":
        key = ring.rotate(db)
        print(f"new signing key {key.kid}; the previous one stays published until the next "
              "rotation")
    for jwk in jwks(db)["keys"]:
        print(jwk["kid"])
    client.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
