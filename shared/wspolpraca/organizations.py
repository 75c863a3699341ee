"""A service's own projection of the registry's organisations (never the registry's database).

Services that must know who is verified and in which areas (grants, consultations) mix in
`OrganizationDirectoryMixin`: one handler bound to every `organization.*` event keeps the
`organizations` collection as the registry last described each organisation. Events may
arrive out of order; the registry's record `version` (then the event time) decides which
state is the newest, so an older event never overwrites a newer one (the one rule of
`wspolpraca.projection`).
"""

from __future__ import annotations

from pymongo import ASCENDING, IndexModel

from wspolpraca.consumer import event_handler
from wspolpraca.envelope import CloudEvent
from wspolpraca.mongo import Collection, Mongo, Transaction
from wspolpraca.projection import newer_kept

ORGANIZATIONS = "organizations"
KEPT_FIELDS = ("name", "status", "areas", "district", "email", "legal_form")

ORGANIZATION_DIRECTORY = Collection(
    ORGANIZATIONS, (IndexModel([("areas", ASCENDING), ("status", ASCENDING)], name="areas"),))


def apply_organization_event(tx: Transaction, event: CloudEvent) -> bool:
    """Keep the state the event describes unless a strictly newer one is already kept
    (between two events equally new, the one handled last wins)."""
    data = event.data
    collection = tx.db[ORGANIZATIONS]
    current = collection.find_one({"_id": event.subject}, session=tx.session)
    if newer_kept(current, data.get("version"), event.time):
        return False
    record = {"_id": event.subject, **{k: data.get(k) for k in KEPT_FIELDS},
              "areas": data.get("areas") or [], "version": data.get("version"),
              "event_time": event.time}
    collection.replace_one({"_id": event.subject}, record, upsert=True, session=tx.session)
    return True


class OrganizationDirectoryMixin:
    db: Mongo

    @event_handler("registry", "organization.*", precheck=False)
    def on_organization_event(self, event: CloudEvent) -> None:
        self.db.transaction(lambda tx: apply_organization_event(tx, event))
