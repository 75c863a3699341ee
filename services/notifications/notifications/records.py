"""Pure builders of stored documents and event payloads."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from notifications.domain import (
    CONFIRMATION_REQUESTED,
    REPORT_DUE_REMINDER,
    REPORT_REMINDER_DAYS,
    TRAINING_REMINDER,
    Channel,
    DeliveryStatus,
    Digest,
    Recipient,
    SubscriptionStatus,
    delivery_id,
    report_due_moment,
    report_reminder_id,
    report_reminder_window,
    training_reminder_id,
    training_reminder_window,
)
from wspolpraca.envelope import format_time
from wspolpraca.pagination import new_id


def new_subscription(body: dict[str, Any], target: str | None, event_types: list[str],
                     owner: str, created_by: str, secret: str, now: datetime,
                     status: str = SubscriptionStatus.ACTIVE.value) -> dict[str, Any]:
    return {
        "_id": new_id(),
        "channel": body["channel"],
        "target": target,
        "event_types": event_types,
        "areas": body.get("areas") or [],
        "district": body.get("district"),
        "digest": body.get("digest") or Digest.NONE.value,
        "owner": owner,
        "owner_email": body.get("owner_email"),
        "created_by": created_by,
        "secret": secret,            # needed to sign webhooks; never returned after creation
        "status": status,
        "consecutive_failures": 0,
        "created_at": now,
        "updated_at": now,
        "last_digest_at": None,
    }


def confirmation_event(subscription: dict[str, Any], confirm_url: str,
                       expires_at: datetime, now: datetime) -> dict[str, Any]:
    """The CloudEvent-shaped body of a confirmation email (never published: only mailed)."""
    import uuid

    return {
        "specversion": "1.0", "id": str(uuid.uuid4()), "source": "/wspolpraca/notifications",
        "type": CONFIRMATION_REQUESTED, "subject": subscription["_id"],
        "time": format_time(now), "datacontenttype": "application/json",
        "data": {"confirm_url": confirm_url, "event_types": subscription["event_types"],
                 "areas": subscription.get("areas") or [], "digest": subscription["digest"],
                 "newsletter": bool(subscription.get("newsletter")),
                 "expires_at": format_time(expires_at),
                 "valid_hours": round((expires_at - now).total_seconds() / 3600)},
    }


def new_delivery(recipient: Recipient, event: dict[str, Any], now: datetime) -> dict[str, Any]:
    waits_for_digest = (recipient.channel == Channel.EMAIL
                        and recipient.digest != Digest.NONE.value)
    return {
        "_id": delivery_id(event["id"], recipient.key),
        "event_id": event["id"],
        "event_type": event["type"],
        "subject": event["subject"],
        "channel": recipient.channel,
        "target": recipient.target,
        "audience": recipient.audience,
        "subscription_id": recipient.subscription_id,
        "status": (DeliveryStatus.DIGEST if waits_for_digest else DeliveryStatus.PENDING).value,
        "attempts": 0,
        "next_attempt_at": now,
        "claimed_until": None,
        "last_error": None,
        "last_status_code": None,
        "created_at": now,
        "updated_at": now,
        "sent_at": None,
        "event": event,
    }


def new_inbox_item(audience: str, event: dict[str, Any], title: str, text: str,
                   key: str, now: datetime) -> dict[str, Any]:
    return {
        "_id": new_id(),
        "delivery_id": key,
        "audience": audience,
        "event_id": event.get("id"),
        "event_type": event.get("type"),
        "subject": event.get("subject"),
        "title": title,
        "text": text,
        "created_at": now,
        "read_by": [],
    }


def inbox_view(item: dict[str, Any], user: str) -> dict[str, Any]:
    return {**item, "read": user in item.get("read_by", [])}


def delivery_payload(record: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """What `notification.sent` / `notification.failed` say: no target (an address or a URL
    may carry personal data or a token), no secret, no message body."""
    payload = {
        "delivery_id": record["_id"],
        "event_id": record["event_id"],
        "event_type": record["event_type"],
        "channel": record["channel"],
        "subscription_id": record.get("subscription_id"),
        "attempts": record["attempts"],
    }
    payload.update(extra)
    return payload


def new_calendar_entry(body: dict[str, Any], now: datetime,
                       source_event_id: str | None = None) -> dict[str, Any]:
    return {
        "_id": new_id(),
        "title": body["title"],
        "kind": body.get("kind", "event"),
        "starts_at": body["starts_at"],
        "ends_at": body.get("ends_at"),
        "location": body.get("location"),
        "description": body.get("description"),
        "areas": body.get("areas") or [],
        "audiences": body.get("audiences") or ["public"],
        "source_event_id": source_event_id,
        "created_at": now,
    }


def parse_time(value: str) -> datetime:
    """An RFC 3339 time as the services write it (`...Z` or an offset)."""
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


# --- calendar entries of events (each named by its types' entries in the event table) ----
# Keyed by what they are about, so that a later event about the same thing replaces it.

def _deadline(key: str, title: str, starts_at: datetime, description: str | None = None,
              areas: list[str] | None = None,
              audiences: list[str] | None = None) -> dict[str, Any]:
    return {"_id": key, "kind": "deadline", "title": title, "starts_at": starts_at,
            "ends_at": None, "location": None, "description": description,
            "areas": areas or [], "audiences": audiences or ["public"]}


def _ends_at(data: dict[str, Any]) -> datetime | None:
    return parse_time(data["ends_at"]) if data.get("ends_at") else None


def competition_deadline(subject: str, data: dict[str, Any]) -> dict[str, Any] | None:
    if not data.get("submission_deadline"):
        return None
    return _deadline(f"competition-deadline-{subject}",
                     f"Termin składania ofert: {data.get('title', '')}".strip(),
                     parse_time(data["submission_deadline"]),
                     areas=[data["area"]] if data.get("area") else [])


def consultation_closes(subject: str, data: dict[str, Any]) -> dict[str, Any] | None:
    if not data.get("closes_at"):
        return None
    addressees = data.get("addressees") or {}
    return _deadline(f"consultation-closes-{subject}",
                     f"Koniec konsultacji: {data.get('title', '')}".strip(),
                     parse_time(data["closes_at"]), description=data.get("subject"),
                     areas=list(addressees.get("areas") or []))


def consultation_meeting(subject: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"_id": f"consultation-meeting-{subject}", "kind": "consultation_meeting",
            "title": data["title"], "starts_at": parse_time(data["starts_at"]),
            "ends_at": _ends_at(data), "location": data.get("place"),
            "description": f"Konsultacje: {data.get('consultation_title', '')}",
            "areas": [], "audiences": ["public"]}


def council_meeting(subject: str, data: dict[str, Any]) -> dict[str, Any]:
    """One entry per meeting: the events' subject is the council (its members are the
    audience), the meeting is the payload's `id`."""
    agenda = data.get("agenda") or []
    return {"_id": f"council-meeting-{data.get('id') or subject}", "kind": "council_meeting",
            "title": f"{data.get('council_name', 'Rada')}: {data['title']}",
            "starts_at": parse_time(data["starts_at"]), "ends_at": _ends_at(data),
            "location": data.get("place"),
            "description": "Porządek obrad: " + "; ".join(agenda) if agenda else None,
            "areas": [], "audiences": ["public"]}


def consultation_meeting_cancelled(subject: str, data: dict[str, Any]) -> dict[str, Any]:
    """A meeting called off leaves every feed."""
    return {**consultation_meeting(subject, data), "audiences": []}


def council_meeting_cancelled(subject: str, data: dict[str, Any]) -> dict[str, Any]:
    """A meeting called off leaves every feed."""
    return {**council_meeting(subject, data), "audiences": []}


def council_opinion_deadline(subject: str, data: dict[str, Any]) -> dict[str, Any]:
    return _deadline(f"council-opinion-{subject}", f"Termin opinii rady: {data['subject']}",
                     parse_time(data["deadline"]))


def report_deadline(subject: str, data: dict[str, Any]) -> dict[str, Any] | None:
    """The report's due date: the organisation's affair, and the liaison office's."""
    if not data.get("report_due_on"):
        return None
    return _deadline(
        f"report-due-{subject}",
        f"Termin sprawozdania z realizacji zadania (umowa na {data.get('amount', '')} zł)",
        report_due_moment(date.fromisoformat(data["report_due_on"])),
        description=f"Zadanie realizowane {data.get('task_start', '')} – "
                    f"{data.get('task_end', '')}; umowa {subject}.",
        audiences=[f"org:{data['organization_id']}", "role:officer"])


def _booking(subject: str, data: dict[str, Any], audiences: list[str]) -> dict[str, Any]:
    return {"_id": f"booking-{subject}", "kind": "booking",
            "title": f"Rezerwacja: {data['resource_name']}, {data['title']}",
            "starts_at": parse_time(data["starts_at"]), "ends_at": _ends_at(data),
            "location": data.get("place"),
            "description": f"Organizacja: {data.get('organization_name', '')}",
            "areas": [], "audiences": audiences}


def booking_approved(subject: str, data: dict[str, Any]) -> dict[str, Any]:
    """The organisation's (and the managing department's) affair."""
    return _booking(subject, data,
                    [f"org:{data['organization_id']}", f"dept:{data['department']}"])


def booking_cancelled(subject: str, data: dict[str, Any]) -> dict[str, Any]:
    """A cancelled booking leaves every feed."""
    return _booking(subject, data, [])


def patronage(subject: str, data: dict[str, Any]) -> dict[str, Any]:
    what = ("Pod honorowym patronatem Prezydenta Miasta" if data.get("kind") == "patronage"
            else "Wydarzenie promowane przez miasto")
    return {"_id": f"patronage-{subject}", "kind": "event", "title": data["name"],
            "starts_at": parse_time(data["starts_at"]), "ends_at": _ends_at(data),
            "location": data.get("place"),
            "description": f"{what}. Organizator: {data.get('organization_name', '')}",
            "areas": list(data.get("areas") or []), "audiences": ["public"]}


def _training(subject: str, data: dict[str, Any], audiences: list[str]) -> dict[str, Any]:
    return {"_id": f"training-{subject}", "kind": "training", "title": data["title"],
            "starts_at": parse_time(data["starts_at"]), "ends_at": _ends_at(data),
            "location": data.get("place"), "description": data.get("topic"),
            "areas": [], "audiences": audiences}


def training_published(subject: str, data: dict[str, Any]) -> dict[str, Any]:
    return _training(subject, data, ["public"])


def training_cancelled(subject: str, data: dict[str, Any]) -> dict[str, Any]:
    """A cancelled training leaves every feed."""
    return _training(subject, data, [])


# --- reminders ------------------------------------------------------------------------------

def report_reminder(data: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The reminder of a contract's report, 7 days before `report_due_on`."""
    due_on = date.fromisoformat(data["report_due_on"])
    due_at, expires_at = report_reminder_window(due_on)
    return {
        "_id": report_reminder_id(data["id"]),
        "type": REPORT_DUE_REMINDER,
        "subject": data["id"],
        "due_at": due_at,
        "expires_at": expires_at,
        "data": {"contract_id": data["id"], "offer_id": data.get("offer_id"),
                 "competition_id": data.get("competition_id"),
                 "organization_id": data["organization_id"], "amount": data.get("amount"),
                 "task_end": data.get("task_end"), "report_due_on": data["report_due_on"],
                 "days_left": REPORT_REMINDER_DAYS},
        "updated_at": now,
    }


def training_reminder(data: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The reminder of one registration, a day before the training starts."""
    registration = data["registration"]
    due_at, expires_at = training_reminder_window(parse_time(data["starts_at"]))
    return {
        "_id": training_reminder_id(data["id"], registration["id"]),
        "type": TRAINING_REMINDER,
        "subject": data["id"],
        "training_id": data["id"],
        "due_at": due_at,
        "expires_at": expires_at,
        "data": {"training_id": data["id"], "title": data["title"], "kind": data.get("kind"),
                 "topic": data.get("topic"), "place": data.get("place"),
                 "starts_at": data["starts_at"], "ends_at": data.get("ends_at"),
                 "registration": {"id": registration["id"], "person": registration["person"],
                                  "email": registration.get("email"),
                                  "organization_id": registration.get("organization_id")}},
        "updated_at": now,
    }


def reminder_data_moved(reminder_data: dict[str, Any], training: dict[str, Any]
                        ) -> dict[str, Any]:
    """A pending training reminder after the training was published again (a new time or
    place): the registration stays, the training's details are the new ones."""
    return {**reminder_data, **{k: training.get(k) for k in
                                ("title", "kind", "topic", "place", "starts_at", "ends_at")}}
