"""The audit log is kept a configurable time: the claimed timer removes older entries, by
one instance at a time."""

from __future__ import annotations

from datetime import timedelta

from nameko.testing.services import entrypoint_hook

from identity import repository
from identity.service import IdentityService
from identity.unit import immediate
from wspolpraca.envelope import utcnow


def audit(db, kind: str, at, account_id: str) -> None:
    immediate(db).audit.record(kind, at, account_id=account_id)


def test_the_timer_removes_audit_entries_past_the_retention(start_service):
    identity = start_service(IdentityService, timers_enabled=True,
                             extra={"WSPOLPRACA_IDENTITY_AUDIT_RETENTION_DAYS": "30"})
    now = utcnow()
    for days, kind in ((45, "old_sign_in"), (31, "old_role_change"), (29, "recent_sign_in"),
                       (0, "today")):
        audit(identity.db, kind, now - timedelta(days=days), account_id="a1")
    with entrypoint_hook(identity.container, "remove_expired_audit_entries") as run:
        assert run() == 2
    kinds = {e["kind"] for e in identity.db["audit_log"].find({"account_id": "a1"})}
    assert kinds == {"recent_sign_in", "today"}


def test_another_instance_holding_the_claim_leaves_the_log_alone(start_service):
    identity = start_service(IdentityService)
    now = utcnow()
    audit(identity.db, "old_sign_in", now - timedelta(days=800), account_id="a2")
    other = "another-instance"
    from wspolpraca.leases import acquire_lease, release_lease

    assert acquire_lease(identity.db, repository.AUDIT_RETENTION_LEASE, other, 60)
    assert repository.remove_expired_audit(identity.db, now, timedelta(days=365), "me",
                                           60) is None
    assert identity.db["audit_log"].count_documents({"account_id": "a2"}) == 1
    release_lease(identity.db, repository.AUDIT_RETENTION_LEASE, other)
    assert repository.remove_expired_audit(identity.db, now, timedelta(days=365), "me",
                                           60) == 1
