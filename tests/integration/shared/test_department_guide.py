"""docs/departments.md, "From nothing to both channels", followed literally on the real broker.

The commands are read from the page (each fenced block after a `<!-- guide: NAME -->` mark) and
run with bash, in the page's order, against services started by the test: the department lists
its competitions and inquiries, subscribes a webhook and receives `registry.booking.requested`
for its own room and not another department's inquiry, meets the kit's clear exit on a missing
queue, gets its queues from the operators' command, and consumes its bookings with the kit.
Only the page's `env` block is replaced by the test's own addresses (same variable names).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from grants.service import GrantsService
from notifications.service import NotificationsService
from registry.service import RegistryService
from wspolpraca.secantus import free_port
from wspolpraca.testing.rabbit import delete_queues
from wspolpraca.testing.waiting import wait_until

ROOT = Path(__file__).resolve().parents[3]
for helpers in ("registry", "grants", "notifications"):
    sys.path.insert(0, str(ROOT / "tests" / "integration" / helpers))

from cooperation_helpers import booking_body, local, resource_body  # noqa: E402
from grants_helpers import adopted_programme, create_competition  # noqa: E402
from notifications_helpers import FAST  # noqa: E402
from registry_helpers import create_department, register_verified  # noqa: E402

pytestmark = pytest.mark.integration

GUIDE = ROOT / "docs" / "departments.md"
MARK = re.compile(r"<!-- guide: ([a-z-]+) -->\n```sh\n(.*?)```", re.S)


def guide_steps() -> dict[str, str]:
    steps = dict(MARK.findall(GUIDE.read_text(encoding="utf-8")))
    assert list(steps) == ["env", "operator-department", "token", "competitions", "inquiries",
                           "subscribe", "receiver", "kit-missing", "operator-queues", "kit"]
    return steps


class Shell:
    """Runs the guide's steps in one shell's worth of state (exports carry over)."""

    def __init__(self, workdir: Path, env: dict[str, str]) -> None:
        self.workdir = workdir
        self.env = env
        self.state = workdir / "exports.sh"
        self.state.write_text("")
        self.background: list[subprocess.Popen] = []

    def _script(self, step: str, keep: bool) -> str:
        save = f"\nexport -p > {self.state}" if keep else ""
        return f"set -euo pipefail\nsource {self.state}\n{step}{save}\n"

    def run(self, step: str) -> subprocess.CompletedProcess:
        return subprocess.run(["bash", "-c", self._script(step, True)], cwd=self.workdir,
                              env=self.env, capture_output=True, text=True, timeout=120)

    def start(self, step: str, log: Path) -> subprocess.Popen:
        out = log.open("w")
        process = subprocess.Popen(["bash", "-c", self._script(step, False)], cwd=self.workdir,
                                   env=self.env, stdout=out, stderr=subprocess.STDOUT,
                                   text=True, start_new_session=True)
        self.background.append(process)
        return process

    @staticmethod
    def interrupt(process: subprocess.Popen) -> int:
        """Ctrl-C, as the guide stops it."""
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
        try:
            return process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            return process.wait()


def ok(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 0, (done.stdout, done.stderr)
    return done.stdout


def test_a_department_follows_the_guide_from_nothing_to_both_channels(
        start_service, amqp_uri, token, listen, tmp_path):
    steps = guide_steps()
    registry = start_service(RegistryService)
    grants = start_service(GrantsService)
    notifications = start_service(NotificationsService, extra=dict(FAST))
    routed = listen("registry", "inquiry.routed")
    requested = listen("registry", "booking.requested")
    officer = token("officer")

    # the page's shell, with the test's addresses under the same names
    ours = {"REGISTRY": registry.base_url, "GRANTS": grants.base_url,
            "NOTIFICATIONS": notifications.base_url, "AMQP_URI": amqp_uri,
            "RECEIVER_PORT": str(free_port())}
    assert set(re.findall(r"\b([A-Z_]+)=", steps["env"])) == set(ours)
    assert "guest:guest@127.0.0.1" in steps["env"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("WSPOLPRACA_JWT")}
    env.update(ours, PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}")
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    shell = Shell(tmp_path, env)

    # the city around the department: culture, a programme, a competition of each
    create_department(registry, officer, "culture", areas=["culture"])
    adopted_programme(grants, officer)
    culture_competition = create_competition(grants, officer, department="culture")
    ok(shell.run(steps["operator-department"]))
    sport_competition = create_competition(grants, officer, area="sport", budget="20000.00",
                                           department="sport")
    for area in ("sport", "culture"):
        assert registry.post("/api/v1/inquiries", None, json={
            "subject": f"Pytanie ({area})", "text": "Czy można?", "area": area,
            "name": "Jan Kowalski", "email": "jan@example.pl"}).status_code == 201
    first_routed = routed.wait_for("registry.inquiry.routed", 2)
    sport_inquiry = next(e["subject"] for e in first_routed if e["data"]["department"] == "sport")

    ok(shell.run(steps["token"]))
    listed = json.loads(ok(shell.run(steps["competitions"])))["items"]
    assert [c["id"] for c in listed] == [sport_competition["id"]]
    assert culture_competition["id"] not in json.dumps(listed)
    inquiries = json.loads(ok(shell.run(steps["inquiries"])))["items"]
    assert [i["id"] for i in inquiries] == [sport_inquiry]

    ok(shell.run(steps["subscribe"]))
    receiver_log = tmp_path / "receiver.log"
    receiver = shell.start(steps["receiver"], receiver_log)

    missing = shell.run(steps["kit-missing"])
    assert missing.returncode == 2, (missing.stdout, missing.stderr)
    assert ("queue dept.sport.bookings does not exist: ask the platform's operators, or use "
            "--declare on a local broker") in missing.stderr

    queues = ok(shell.run(steps["operator-queues"]))
    assert "queue dept.sport.bookings: declared" in queues
    kit_log = tmp_path / "kit.log"
    kit = shell.start(steps["kit"], kit_log)
    try:
        wait_until(lambda: "consuming dept.sport.bookings" in kit_log.read_text(),
                   what="the kit to consume")

        # the world acts: another department's inquiry, then one of ours, and two bookings
        for area in ("culture", "sport"):
            assert registry.post("/api/v1/inquiries", None, json={
                "subject": f"Drugie pytanie ({area})", "text": "A teraz?", "area": area,
                "name": "Ewa Nowak", "email": "ewa@example.pl"}).status_code == 201
        later = routed.wait_for("registry.inquiry.routed", 4)[2:]
        theirs = next(e["id"] for e in later if e["data"]["department"] == "culture")
        ours_routed = next(e["id"] for e in later if e["data"]["department"] == "sport")
        ngo_token = token("ngo")
        organization = register_verified(registry, ngo_token, officer, areas=["sport"])
        ngo = token("ngo", org_id=organization["id"])
        bookings = []
        for department in ("culture", "sport"):
            room = registry.post("/api/v1/resources", officer,
                                 json=resource_body(department, name=f"Sala ({department})"))
            assert room.status_code == 201, room.text
            booked = registry.post(f"/api/v1/resources/{room.json()['id']}/bookings", ngo,
                                   json=booking_body(organization["id"], local(10, 10),
                                                     local(10, 12)))
            assert booked.status_code == 201, booked.text
            bookings.append(booked.json())
        ours_requested = next(e["id"] for e in requested.wait_for(
            "registry.booking.requested", 2) if e["data"]["department"] == "sport")

        # the webhook: our booking request and our inquiry, never culture's inquiry
        wait_until(lambda: ours_requested in receiver_log.read_text()
                   and ours_routed in receiver_log.read_text(),
                   what="the webhook deliveries")
        assert theirs not in receiver_log.read_text()
        # the queue: our booking handled, culture's skipped
        wait_until(lambda: bookings[1]["id"] in kit_log.read_text(), what="the kit to handle")
    finally:
        kit_status = Shell.interrupt(kit)
        Shell.interrupt(receiver)
        delete_queues(amqp_uri, [f"dept.sport.{p}{s}" for p in
                                 ("inquiries", "bookings", "competitions") for s in ("", ".dlq")])
    assert kit_status == 0, kit_log.read_text()
    summary = [line for line in kit_log.read_text().splitlines() if "stopped:" in line]
    assert len(summary) == 1 and "1 handled, 1 skipped (other departments), 0 dead-lettered" \
        in summary[0], kit_log.read_text()
    assert "Pika version" not in kit_log.read_text()  # quiet by default
