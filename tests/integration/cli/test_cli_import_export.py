"""`wspolpraca-admin import-organizations` through a real registry, interrupted and resumed;
`wspolpraca-admin export` of the open data that reporting projected from the events;
`wspolpraca-admin rebuild` and `token`."""

from __future__ import annotations

import csv
import json
import signal
import subprocess
import sys
from pathlib import Path

import jwt
import pytest
from cli_helpers import database_uri
from registry_helpers import dashed, fresh_krs

from wspolpraca.config import DEFAULT_AUDIENCE, DEVELOPMENT_JWT_SECRET
from wspolpraca.testing.identifiers import fresh_nip
from wspolpraca.testing.waiting import wait_until

pytestmark = pytest.mark.integration

HEADER = ["name", "legal_form", "nip", "regon", "krs", "areas", "email", "phone", "website",
          "street", "postal_code", "city", "district"]


def good(name: str, **overrides: str) -> dict[str, str]:
    row = {"name": name, "legal_form": "association", "nip": fresh_nip(), "regon": "123456785",
           "krs": fresh_krs(), "areas": "ecology;culture", "email": "biuro@example.pl",
           "phone": "", "website": "", "street": "Grójecka 1", "postal_code": "02-001",
           "city": "Warszawa", "district": "ochota"}
    row.update(overrides)
    return row


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, HEADER)
        writer.writeheader()
        writer.writerows(rows)
    return path


def registered(registry, nip: str) -> int:
    return registry.db["organizations"].count_documents({"nip": nip})


def report_of(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_a_csv_is_imported_row_by_row_interrupted_and_resumed(cli, registry, tmp_path):
    first = [good("Stowarzyszenie Łąki"), good("Fundacja Ławka", legal_form="foundation"),
             good("Klub Sportowy Ochota", legal_form="sports_club", areas="sport")]
    twin = good("Drugi wpis Łąk", nip=dashed(first[0]["nip"]))  # the same NIP, typed with dashes
    rest = [
        good("Zły NIP", nip="1234567890"),
        good("Zła forma", legal_form="spolka_akcyjna"),
        good("Zły obszar", areas="ecology;kosmos"),
        twin,
        good("Zły kod", postal_code="02001"),
        good("Bez poczty", email=""),
        good("Stowarzyszenie Kultury"),
        good("Fundacja Dzieci", legal_form="foundation", district=""),
    ]
    source = write_csv(tmp_path / "organizacje.csv", first + rest)
    url = registry.base_url

    # the first run stops after three rows (as an interruption would)
    stopped = cli("import-organizations", str(source), "--registry-url", url, "--limit", "3")
    assert stopped.exit_code == 3, stopped.output
    assert "imported 3, already imported 0, rejected 0" in stopped.stdout
    assert registry.db["organizations"].count_documents({}) == 3

    resumed = cli("import-organizations", str(source), "--registry-url", url)
    assert resumed.exit_code == 1, resumed.output  # some rows were rejected
    assert "imported 2, already imported 3, rejected 6" in resumed.stdout
    assert registry.db["organizations"].count_documents({}) == 5
    assert all(registered(registry, row["nip"]) == 1 for row in first)

    report = report_of(tmp_path / "organizacje.rejected.csv")
    by_row = {}
    for line in report:
        by_row.setdefault(int(line["row"]), []).append(line)
    # the header is line 1: the first data row is line 2
    assert sorted(by_row) == [5, 6, 7, 8, 9, 10]
    assert [(r["field"], r["code"]) for r in by_row[5]] == [("nip", by_row[5][0]["code"])]
    assert {r["field"] for r in by_row[6]} == {"legal_form"}
    assert {r["field"] for r in by_row[7]} == {"areas"}
    assert [(r["field"], r["code"]) for r in by_row[8]] == [("nip", "duplicate_nip")]
    assert {r["field"] for r in by_row[9]} == {"postal_code"}
    assert {r["field"] for r in by_row[10]} == {"email"}
    assert all(r["message"] for r in report)  # the API's own (Polish) messages
    assert by_row[5][0]["nip"] == "1234567890"

    again = cli("import-organizations", str(source), "--registry-url", url)
    assert "imported 0, already imported 5, rejected 6" in again.stdout
    assert registry.db["organizations"].count_documents({}) == 5
    assert len(report_of(tmp_path / "organizacje.rejected.csv")) == len(report)


def test_an_import_killed_midway_resumes_without_duplicates(cli, registry, tmp_path):
    rows = [good(f"Stowarzyszenie numer {n}") for n in range(120)]
    source = write_csv(tmp_path / "big.csv", rows)
    state = tmp_path / "big.csv.state.jsonl"

    def imported_lines() -> int:
        text = state.read_text(encoding="utf-8") if state.exists() else ""
        return text.count('"state": "imported"')

    command = [sys.executable, "-m", "wspolpraca.cli", "import-organizations", str(source),
               "--registry-url", registry.base_url]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_until(lambda: imported_lines() >= 5 or process.poll() is not None, timeout=120)
        process.send_signal(signal.SIGKILL)  # a crash, not a polite stop
    finally:
        process.wait(timeout=60)
    done_before = imported_lines()
    assert 5 <= done_before < len(rows), "the import finished before it could be killed"
    # the registered ones are those journalled, plus at most the one in flight
    assert registry.db["organizations"].count_documents({}) in (done_before, done_before + 1)

    resumed = cli("import-organizations", str(source), "--registry-url", registry.base_url)
    assert resumed.exit_code == 0, resumed.output
    assert f"already imported {done_before}, rejected 0" in resumed.stdout
    assert registry.db["organizations"].count_documents({}) == len(rows)
    assert all(registered(registry, row["nip"]) == 1 for row in rows)


def test_a_row_interrupted_after_its_request_counts_as_imported(cli, registry, officer,
                                                                 tmp_path):
    from wspolpraca.organization_import import Journal, payload, read_rows

    source = write_csv(tmp_path / "one.csv", [good("Stowarzyszenie Przerwane")])
    row = read_rows(source)[0]
    # the interrupted run: the row journalled as being sent, the registry did register it
    journal = Journal(tmp_path / "one.csv.state.jsonl")
    journal.record(row, "sending", nip=row.values["nip"])
    journal.close()
    assert registry.post("/api/v1/organizations", officer, json=payload(row)).status_code == 201

    result = cli("import-organizations", str(source), "--registry-url", registry.base_url)
    assert result.exit_code == 0, result.output
    assert "imported 1, already imported 0, rejected 0" in result.stdout
    assert registered(registry, row.values["nip"]) == 1


def test_an_unreachable_registry_stops_the_import_without_rejecting_rows(cli, tmp_path):
    from wspolpraca.secantus import free_port

    source = write_csv(tmp_path / "down.csv", [good("Stowarzyszenie Czekające")])
    result = cli("import-organizations", str(source), "--registry-url",
                 f"http://127.0.0.1:{free_port()}")
    assert result.exit_code == 1
    assert "re-run the same command to resume" in result.output
    assert not (tmp_path / "down.rejected.csv").exists()


def test_open_data_export_and_rebuild(cli, registry, reporting, officer, tmp_path):
    source = write_csv(tmp_path / "orgs.csv", [good("Stowarzyszenie Jawne"),
                                               good("Fundacja Niezweryfikowana")])
    assert cli("import-organizations", str(source), "--registry-url",
               registry.base_url).exit_code == 0
    public = registry.db["organizations"].find_one({"name": "Stowarzyszenie Jawne"})
    assert registry.post(f"/api/v1/organizations/{public['_id']}/verify",
                         officer).status_code == 200

    def projected():
        # both events: the registration may be projected after the verification
        found = reporting.db["organizations"].find_one({"_id": public["_id"]})
        return found and found.get("status") == "verified" and found.get("registered_at")

    wait_until(projected)
    env = {"MONGO_URI_REPORTING": database_uri(reporting)}
    out = tmp_path / "open-data"
    result = cli("export", "--out", str(out), env=env)
    assert result.exit_code == 0, result.output
    names = [d["name"] for d in reporting.get("/api/v1/open-data").json()["datasets"]]
    assert "organizations" in names
    assert sorted(p.name for p in out.iterdir()) == \
        sorted([f"{n}.csv" for n in names] + [f"{n}.json" for n in names])
    # the same bytes as the API serves
    for fmt in ("csv", "json"):
        served = reporting.get(f"/api/v1/open-data/organizations.{fmt}")
        written = (out / f"organizations.{fmt}").read_bytes()
        if fmt == "json":
            assert json.loads(written) == served.json()
        else:
            assert written == served.content
    items = json.loads((out / "organizations.json").read_text(encoding="utf-8"))["items"]
    assert [i["name"] for i in items] == ["Stowarzyszenie Jawne"]  # only the verified one

    only = cli("export", "--out", str(tmp_path / "csv-only"), "--dataset", "organizations",
               "--format", "csv", env=env)
    assert only.exit_code == 0
    assert [p.name for p in (tmp_path / "csv-only").iterdir()] == ["organizations.csv"]
    assert cli("export", "--dataset", "nothing", env=env).exit_code == 2

    rebuilt = cli("rebuild", env=env)
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "rebuilt" in rebuilt.stdout and "100%" in rebuilt.stderr
    assert reporting.get("/api/v1/open-data/organizations.json").json()["items"] == items


def test_minted_tokens_carry_the_claims(cli):
    result = cli("token", "--role", "ngo", "--role", "committee", "--sub", "u-1",
                 "--org-id", "org-9", "--department", "culture")
    claims = jwt.decode(result.stdout.strip(), DEVELOPMENT_JWT_SECRET, algorithms=["HS256"],
                        audience=DEFAULT_AUDIENCE)
    assert (claims["sub"], claims["roles"], claims["org_id"], claims["department"]) == \
        ("u-1", ["ngo", "committee"], "org-9", "culture")
    assert cli("token", "--role", "mayor").exit_code == 2
