"""An in-memory unit of work for the identity command handlers (identity/unit.py's
IdentityUnit), on the shared fake (wspolpraca.testing.memory): each repository keeps its
records in a dict and adds identity's finders in Python."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any

from identity import domain, repository
from wspolpraca.testing.memory import FakeUnitOfWork, MemoryRepository

Record = dict[str, Any]


def _get_path(record: Record, path: str) -> Any:
    value: Any = record
    for part in path.split("."):
        value = (value or {}).get(part)
    return value


def _set_path(record: Record, path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for part in parents:
        record = record.setdefault(part, {})
    record[last] = value


class MemoryIdentityRepository(MemoryRepository):
    def by_id(self, record_id: str) -> Record | None:
        return self.find_one({"_id": record_id})

    def update(self, record_id: str, changes: Record, *, unset: tuple[str, ...] = (),
               match: Record | None = None) -> bool:
        stored = self.records.get(record_id)
        if stored is None or any(_get_path(stored, k) != v for k, v in (match or {}).items()):
            return False
        for path, value in changes.items():
            _set_path(stored, path, copy.deepcopy(value))
        for path in unset:
            *parents, last = path.split(".")
            holder = stored
            for part in parents:
                holder = holder.get(part) or {}
            holder.pop(last, None)
        return True


class MemoryAccounts(MemoryIdentityRepository):
    not_found = "Nie ma takiego konta."

    def add(self, record: Record) -> None:
        if self.by_email(record["email"]) is not None:
            from pymongo.errors import DuplicateKeyError

            raise DuplicateKeyError("email")
        super().add(record)

    def by_email(self, email: str) -> Record | None:
        return self.find_one({"email": domain.normalize_email(email)})

    def any_admin(self) -> bool:
        return any("admin" in r["roles"] for r in self.records.values())

    def add_roles(self, account_id: str, roles: list[str]) -> None:
        stored = self.records[account_id]["roles"]
        stored.extend(r for r in roles if r not in stored)

    def add_role_by_email(self, email: str, role: str) -> None:
        found = self.by_email(email)
        if found is not None:
            self.add_roles(found["_id"], [role])

    def with_plain_totp(self) -> list[Record]:
        return [copy.deepcopy(r) for r in self.records.values()
                if "secret" in (r.get("totp") or {})]


class MemoryClients(MemoryIdentityRepository):
    def active(self, client_id: str) -> Record | None:
        found = self.by_id(client_id)
        return found if found is not None and found.get("disabled") is not True else None

    def ensure(self, client: Record, kind: str, now: datetime) -> None:
        stored = self.records.setdefault(client["_id"], {"_id": client["_id"],
                                                         "created_at": now, "kind": kind})
        stored.update(copy.deepcopy(client))


class MemorySessions(MemoryIdentityRepository):
    def ids_of(self, account_id: str) -> list[str]:
        return [s["_id"] for s in self.find({"account_id": account_id})]

    def end(self, session_ids: list[str]) -> None:
        for session_id in session_ids:
            self.records.pop(session_id, None)


class MemoryRefreshTokens(MemoryIdentityRepository):
    def _revoke(self, field: str, values: list[str], reason: str, **stamp: Any) -> None:
        for record in self.records.values():
            if record.get(field) in values and not record["revoked"]:
                record.update(revoked=True, revoked_reason=reason, **stamp)

    def revoke_all(self, account_id: str, reason: str) -> None:
        self._revoke("account_id", [account_id], reason)

    def revoke_family(self, family: str, reason: str, now: datetime) -> None:
        self._revoke("family", [family], reason, revoked_at=now)

    def revoke_of_sessions(self, session_ids: list[str], reason: str, now: datetime) -> None:
        self._revoke("session_id", session_ids, reason, revoked_at=now)

    def retire(self, record_id: str, now: datetime) -> bool:
        stored = self.records.get(record_id)
        if stored is None or stored.get("rotated"):
            return False
        stored.update(rotated=True, rotated_at=now)
        return True


class MemoryCodes(MemoryIdentityRepository):
    def of_client(self, code: str, client_id: str) -> Record | None:
        return self.find_one({"_id": repository.digest(code), "client_id": client_id})

    def nonce_used(self, client_id: str, nonce: str) -> bool:
        return self.find_one({"client_id": client_id, "nonce": nonce}) is not None

    def remove(self, record_id: str) -> None:
        self.records.pop(record_id, None)


class MemoryOneTime(MemoryIdentityRepository):
    issued: list[str]

    def __init__(self, *records: Record) -> None:
        super().__init__(*records)
        self.issued = []

    def issue(self, purpose: str, account_id: str, now: datetime, valid_for: timedelta) -> str:
        token = repository.new_secret()
        self.issued.append(token)
        self.add({"_id": repository.digest(token), "purpose": purpose,
                  "account_id": account_id, "created_at": now, "expires_at": now + valid_for})
        return token

    def valid(self, purpose: str, token: str, now: datetime) -> Record | None:
        record = self.find_one({"_id": repository.digest(token), "purpose": purpose})
        return record if record is not None and record["expires_at"] > now else None

    def take(self, purpose: str, token: str) -> Record | None:
        record = self.find_one({"_id": repository.digest(token), "purpose": purpose})
        if record is not None:
            del self.records[record["_id"]]
        return record

    def discard(self, token: str) -> None:
        self.records.pop(repository.digest(token), None)

    def discard_of(self, account_id: str) -> None:
        for record in self.find({"account_id": account_id}):
            del self.records[record["_id"]]


class MemoryThrottle(MemoryIdentityRepository):
    def state(self, key: str) -> domain.ThrottleState:
        record = self.records.get(key)
        if record is None:
            return domain.ThrottleState()
        return domain.ThrottleState(record["failures"], record["window_start"],
                                    record["locked_until"], record["lockouts"])

    def save_state(self, key: str, state: domain.ThrottleState) -> None:
        self.records[key] = {"_id": key, "failures": state.failures,
                             "window_start": state.window_start,
                             "locked_until": state.locked_until, "lockouts": state.lockouts}

    def clear(self, key: str) -> None:
        self.records.pop(key, None)


class MemoryRepresentations(MemoryIdentityRepository):
    not_found = "Nie ma takiego wniosku."

    def add(self, record: Record) -> None:
        if record["open"] and any(
                r["open"] and r["account_id"] == record["account_id"]
                and r["organization_id"] == record["organization_id"]
                for r in self.records.values()):
            raise repository.already_requested()
        super().add(record)

    def granted_organizations(self, account_id: str) -> list[str]:
        return sorted(r["organization_id"] for r in self.find(
            {"account_id": account_id, "status": domain.RepresentationStatus.GRANTED}))

    def put(self, record: Record) -> None:
        self.records[record["_id"]] = copy.deepcopy(record)

    def end_all_of(self, account_id: str, erased: Record, by: str, now: datetime) -> None:
        for record in self.records.values():
            if record["account_id"] != account_id:
                continue
            record.update(erased, open=False)
            if record["status"] in domain.OPEN_REPRESENTATION:
                record.update(status=domain.RepresentationStatus.WITHDRAWN.value,
                              decided_at=now, decided_by=by)


class MemoryAudit(MemoryIdentityRepository):
    def record(self, kind: str, at: datetime, *, account_id: str | None = None,
               address: str | None = None, **details: Any) -> None:
        self.add({"_id": repository.new_id(), "kind": kind, "at": at,
                  "account_id": account_id, "address": address, **details})

    def kinds(self) -> list[str]:
        return [r["kind"] for r in sorted(self.records.values(), key=lambda r: r["_id"])]


class MemoryOrganizations(MemoryIdentityRepository):
    def exists(self, organization_id: str) -> bool:
        return organization_id in self.records


class FakeIdentityUnit(FakeUnitOfWork):
    """Stands for identity.unit.IdentityUnit."""

    def __init__(self) -> None:
        super().__init__(accounts=MemoryAccounts(), clients=MemoryClients(),
                         sessions=MemorySessions(), codes=MemoryCodes(),
                         refresh_tokens=MemoryRefreshTokens(),
                         one_time=MemoryOneTime(), throttle=MemoryThrottle(),
                         representations=MemoryRepresentations(), audit=MemoryAudit(),
                         organizations=MemoryOrganizations())
        self.after: list[tuple[Any, Any]] = []

    def after_commit(self, handler: Any, command: Any) -> None:
        self.after.append((handler, command))

    def committed(self) -> None:
        """What identity.unit.run does once the unit committed."""
        for handler, command in self.after:
            handler(command, self)
