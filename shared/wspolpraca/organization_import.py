"""Import organisations from a CSV through the registry's HTTP API (`wspolpraca-admin import`).

Every row is a `POST /api/v1/organizations` with an officer's token, so a row is checked by
exactly the rules of the API (NIP/REGON/KRS checksums, legal forms, area codes, a NIP or KRS
already registered) and its `organization.registered` event leaves through the registry's
outbox like any other. A refused row is reported with the API's own code and Polish message.

Resumable: a journal (JSON lines, appended and flushed per row) records each row as `sending`
before its request and `imported` or `rejected` after it. A re-run skips the rows imported
(the same row number and the same content); a row left `sending` by an interruption that the
registry now refuses as a duplicate counts as imported if the registry holds an organisation
of that name and NIP (the interrupted run registered it before it could write it down).
Rejected rows are tried again (the file may have been corrected).
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from wspolpraca.exports import csv_row

COLUMNS = ("name", "legal_form", "nip", "regon", "krs", "areas", "email", "phone", "website",
           "street", "postal_code", "city", "district")
ADDRESS = ("street", "postal_code", "city")
ENDPOINT = "/api/v1/organizations"


class RegistryUnavailable(RuntimeError):
    """The registry did not answer a row (network, 5xx, 401/403): stop, re-run later."""


@dataclass(frozen=True)
class Row:
    number: int  # the line of the file (the header is line 1)
    values: dict[str, str]

    @property
    def key(self) -> str:
        text = json.dumps(self.values, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Rejection:
    row: int
    nip: str
    field: str
    code: str
    message: str


@dataclass
class Outcome:
    imported: int = 0
    skipped: int = 0  # imported by an earlier run
    rejected: list[Rejection] = field(default_factory=list)
    rows_rejected: int = 0
    remaining: int = 0  # not tried because of --limit


def read_rows(path: Path) -> list[Row]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        return [Row(number, {(k or "").strip(): (v or "").strip() for k, v in raw.items()})
                for number, raw in enumerate(reader, start=2)]


def payload(row: Row) -> dict[str, Any]:
    """The request body of one row: empty cells are left out; areas split on `;` or `,`."""
    values = row.values
    body: dict[str, Any] = {}
    for name in COLUMNS:
        value = values.get(name, "")
        if not value or name in ADDRESS:
            continue
        body[name] = ([a.strip() for a in value.replace(",", ";").split(";") if a.strip()]
                      if name == "areas" else value)
    if "areas" not in body:
        body["areas"] = []
    if any(values.get(name) for name in ADDRESS):
        body["address"] = {name: values.get(name, "") for name in ADDRESS if values.get(name)}
    return body


def _column(api_field: str) -> str:
    """`address.postal_code` -> `postal_code`, `areas.0` -> `areas`."""
    head, _, rest = api_field.partition(".")
    if head == "address" and rest:
        return rest.split(".")[0]
    return head


def rejections(row: Row, error: dict[str, Any]) -> list[Rejection]:
    nip = row.values.get("nip", "")
    fields = error.get("fields") or {}
    if not fields:
        return [Rejection(row.number, nip, "", error.get("code", ""), error.get("message", ""))]
    return [Rejection(row.number, nip, _column(name), error.get("code", ""), message)
            for name, messages in fields.items() for message in messages]


class Journal:
    """The per-row state of an import, kept in a JSON-lines file next to the CSV."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.states: dict[int, dict[str, Any]] = {}
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        if text:
            for line in text.splitlines():
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue  # a line cut short by the interruption
                self.states[entry["row"]] = entry
        self._handle = path.open("a", encoding="utf-8")
        if text and not text.endswith("\n"):
            self._handle.write("\n")  # end the line the interruption cut short

    def state(self, row: Row) -> str | None:
        entry = self.states.get(row.number)
        return entry["state"] if entry and entry.get("key") == row.key else None

    def record(self, row: Row, state: str, **extra: Any) -> None:
        entry = {"row": row.number, "key": row.key, "state": state, **extra}
        self.states[row.number] = entry
        self._handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
        self._handle.flush()

    def close(self) -> None:
        self._handle.close()


class RegistryClient:
    def __init__(self, base_url: str, token: str, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"
        self.timeout = timeout

    def find(self, name: str, nip: str) -> str | None:
        """The id of the registered organisation called `name` with this NIP, if any."""
        digits = re.sub(r"\D", "", nip)
        try:
            response = self.session.get(self.base_url + ENDPOINT,
                                        params={"q": name, "limit": 100}, timeout=self.timeout)
            response.raise_for_status()
        except requests.RequestException as exc:
            raise RegistryUnavailable(f"the registry did not answer: {exc}") from exc
        return next((o["id"] for o in response.json().get("items", [])
                     if re.sub(r"\D", "", o.get("nip") or "") == digits), None)

    def register(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        try:
            response = self.session.post(self.base_url + ENDPOINT, json=body,
                                         timeout=self.timeout)
        except requests.RequestException as exc:
            raise RegistryUnavailable(f"the registry did not answer: {exc}") from exc
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        if response.status_code >= 500 or response.status_code in (401, 403):
            message = (answer.get("error") or {}).get("message", response.text[:200])
            raise RegistryUnavailable(f"the registry answered {response.status_code}: {message}")
        return response.status_code, answer


def import_rows(rows: list[Row], client: RegistryClient, journal: Journal, *,
                limit: int | None = None,
                on_row: Callable[[Row, str], None] | None = None) -> Outcome:
    """Send each row not yet imported; stops (raising) when the registry is unavailable."""
    outcome = Outcome()
    tried = 0
    for row in rows:
        state = journal.state(row)
        if state == "imported":
            outcome.skipped += 1
            if on_row:
                on_row(row, "skipped")
            continue
        if limit is not None and tried >= limit:
            outcome.remaining += 1
            continue
        tried += 1
        resumed = state == "sending"
        journal.record(row, "sending", nip=row.values.get("nip", ""))
        body = payload(row)
        status, answer = client.register(body)
        error = answer.get("error") or {}
        if status == 201:
            journal.record(row, "imported", id=answer.get("id"))
            outcome.imported += 1
            result = "imported"
        elif (resumed and status == 409 and str(error.get("code", "")).startswith("duplicate_")
              and (earlier := client.find(body["name"], row.values.get("nip", "")))):
            # the interrupted run's request was registered before it could be journalled
            journal.record(row, "imported", id=earlier, resumed=True)
            outcome.imported += 1
            result = "imported"
        else:
            found = rejections(row, error or {"code": str(status), "message": str(answer)})
            journal.record(row, "rejected", errors=[r.__dict__ for r in found])
            outcome.rejected.extend(found)
            outcome.rows_rejected += 1
            result = "rejected"
        if on_row:
            on_row(row, result)
    return outcome


def write_report(path: Path, found: list[Rejection]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["row", "nip", "field", "code", "message"])
        for r in found:
            writer.writerow(csv_row([r.row, r.nip, r.field, r.code, r.message]))

