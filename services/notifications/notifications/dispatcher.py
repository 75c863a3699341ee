"""The dispatcher: sends the deliveries the event handlers recorded as pending.

An event handler writes one delivery record per (event, recipient) with a unique id in
the same transaction as the consumed event, so a redelivered event records nothing new.
Once that transaction committed, the unit hands the new deliveries' ids to the dispatcher
in memory (`hand_over`), as the outbox hands committed events to the relay: the normal path
never searches the delivery log. The dispatcher (a managed green thread, like the relay)
claims a batch of them (a conditional update to `sending` with a lease, so two dispatchers
never take the same one and a crashed one's claims expire) and sends each in its own green
thread of a bounded pool: a slow receiver holds at most `per_subscription_concurrency`
slots, not the others. A sweep of the database (every `dispatcher_poll_seconds`, as the
only search did before; every `dispatcher_sweep_seconds` while handed-over deliveries wait)
finds what the hand-off does not carry: retries that came due, deliveries recorded by
another replica or before a restart, expired claims.

A failed attempt or a dead letter is recorded in its own transaction (with
`notification.failed`); successes are recorded together, every success that finished while
the previous batch was being written in one transaction with their `notification.sent`
events. A crash between sending and recording sends that message again (at least once);
receivers dedupe by the `X-Wspolpraca-Delivery` header.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
import uuid
from collections import Counter, defaultdict, deque
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from eventlet import Timeout
from eventlet import sleep as eventlet_sleep
from eventlet.greenpool import GreenPool
from nameko.extensions import DependencyProvider
from pymongo import UpdateOne

from notifications import domain, records, repository
from notifications.channels import (
    MailRefused,
    MailUnavailable,
    ReceiverPools,
    Renderer,
    build_message,
    event_context,
    post_webhook,
    send_email,
    signature_headers,
)
from notifications.config import NotificationSettings, load_notification_settings
from notifications.domain import Channel, DeliveryStatus, Outcome, Recipient, SubscriptionStatus
from notifications.repository import DELIVERIES, SUBSCRIPTIONS, Deliveries, Inbox
from wspolpraca import metrics
from wspolpraca.config import settings_of
from wspolpraca.envelope import utcnow
from wspolpraca.mongo import Mongo, Store, Transaction

log = logging.getLogger(__name__)

CLAIM_GRACE_SECONDS = 30.0
HANDOFF_LIMIT = 100_000   # ids waiting in memory at most; beyond it the sweep finds them
SENT_BATCH = 200          # successes recorded in one transaction at most
RECEIVER_POOLS = 64       # receivers' addresses with keep-alive connections at most
# deliveries recorded already claimed and waiting in memory at most: their leases are renewed
# while they wait, and SecantusDB spends about 2 ms of CPU per delivery renewed (10,000
# waiting at 100 x 100 made every renewal pass longer than the leases); beyond it they are
# recorded pending, handed over all the same, and claimed when their turn comes
CLAIMED_LIMIT = 2_000
CLOCK_SKEW_SECONDS = 2.0  # a lease closer than this to its end may have been taken already
DELIVERIES_TOTAL = metrics.Counter(
    "wspolpraca_notification_deliveries_total",
    "Delivery attempts by channel and outcome (sent, failed = will retry, dead = gave up).",
    ["service", "channel", "outcome"],
    registry=metrics.REGISTRY,
)
METRIC_OUTCOMES = {Outcome.SENT: "sent", Outcome.RETRY: "failed", Outcome.DEAD: "dead"}
USER_AGENT = "wspolpraca-notifications/0.1"


SENT_CHANGES = ("status", "attempts", "updated_at", "sent_at", "last_status_code",
                "last_error", "claimed_until", "claim")


class _ClaimLost(Exception):
    """A batch of successes included one whose claim had expired: the batch is undone."""


def encode_event(event: dict[str, Any]) -> bytes:
    return json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def slot_key(record: dict[str, Any]) -> str | None:
    """Webhook sends are limited per subscription; other sends only by the pool."""
    return record.get("subscription_id") if record["channel"] == Channel.WEBHOOK else None


class Dispatcher(DependencyProvider):
    """`dispatcher = Dispatcher()`: the service's sending machinery (a worker gets it whole)."""

    def setup(self) -> None:
        self.settings = settings_of(self.container.config)
        self.config: NotificationSettings = load_notification_settings(
            self.settings, self.container.config)
        self.mongo: Mongo = next(d for d in self.container.dependencies if isinstance(d, Mongo))
        self.renderer = Renderer()
        self.target_policy = self.config.target_policy(self.settings)
        self.pool = GreenPool(self.config.dispatcher_concurrency)
        # keep-alive connections to receivers, per checked address (closed at stop); a pool
        # only opens as many as are used at once: a receiver of one subscription has at most
        # `per_subscription_concurrency`, one that many subscriptions share up to them all
        self.receivers = ReceiverPools(
            max_pools=RECEIVER_POOLS, per_pool=self.config.dispatcher_concurrency)
        self.rng = random.Random()
        self._wake = threading.Event()
        self._stopped = False
        self.in_flight: Counter[str | None] = Counter()
        # delivery ids handed over after their commit, by slot key (subscription), in order
        self._ready: dict[str | None, deque[str]] = {}
        self._ready_ids: set[str] = set()
        # Deliveries this process recorded already claimed (`lease_for_handoff`: the claim
        # written with the record, in the consumed event's transaction) and handed over,
        # by id; they are sent without a claim write. The claim token is this process's.
        self.claim_token = uuid.uuid4().hex
        self._claimed: dict[str, dict[str, Any]] = {}
        # every claim this process holds (waiting in memory, sending, waiting to be recorded):
        # delivery id -> (claim token, the lease's end as last written); `renew_claims`
        # extends the leases that run low, so none expires while its delivery waits here
        self._held: dict[str, tuple[str | None, datetime]] = {}
        self.lease_seconds = self.config.webhook_timeout + CLAIM_GRACE_SECONDS
        self.renew_every = self.lease_seconds / 4
        self.clock_skew = CLOCK_SKEW_SECONDS
        self._renew_wake = threading.Event()
        self._last_sweep = float("-inf")
        # successes waiting to be recorded, and the recorder's wake-up
        self._sent: list[tuple[dict[str, Any], str | None]] = []   # (record, its claim)
        # the ids of the batch the recorder's transaction is writing now: not renewed
        # meanwhile (the two would only meet on the same deliveries and one would wait)
        self._recording: frozenset[str] = frozenset()
        self._sent_wake = threading.Event()
        for channel in (Channel.WEBHOOK, Channel.EMAIL):  # every series from the start,
            for outcome in METRIC_OUTCOMES.values():       # so rates and ratios exist at 0
                DELIVERIES_TOTAL.labels(self.settings.service, channel.value, outcome)

    def start(self) -> None:
        if self.config.dispatcher_enabled:
            self.container.spawn_managed_thread(self.run)
            self.container.spawn_managed_thread(self.record_sent_loop)
            self.container.spawn_managed_thread(self.renew_claims_loop)

    def stop(self) -> None:
        self._stopped = True
        self._wake.set()
        self._sent_wake.set()
        # the sends under way finish first (within their timeout: their claims would expire
        # after it), then every success is recorded before the process ends; a success left
        # unrecorded is sent again once its claim expires, and an email has no dedupe
        with Timeout(self.config.webhook_timeout + 1, False):
            self.pool.waitall()
        self.receivers.close()
        try:
            while self._sent:
                self.record_sent()
        except Exception:
            log.exception("notification dispatcher: successes not recorded at stop; their "
                          "claims expire and they are sent again")
        waiting = list(self._claimed)
        try:
            # recorded claimed by this process and not sent: pending again for the others
            # (else their leases expire first)
            if waiting:
                repository.release(self.db, waiting, self.claim_token)
        except Exception:
            log.exception("notification dispatcher: claimed deliveries not released at "
                          "stop; their leases expire and the sweep sends them")
        self._renew_wake.set()

    def kill(self) -> None:
        # no recording: the database may be gone already; the claims expire and the sweep
        # sends those deliveries again
        self._stopped = True
        self._wake.set()
        self._sent_wake.set()
        self._renew_wake.set()
        self.receivers.close()

    def get_dependency(self, worker_ctx) -> Dispatcher:
        return self

    def wake(self) -> None:
        self._wake.set()

    def lease_for_handoff(self) -> tuple[str, datetime] | None:
        """The claim (token, lease's end) a transaction writes with the deliveries it
        records, to hand them over already claimed by this process; None when this process
        does not send (dispatcher disabled or stopping) or holds enough in memory already
        (they are recorded pending and claimed when their turn comes)."""
        if (not self.config.dispatcher_enabled or self._stopped
                or len(self._claimed) >= CLAIMED_LIMIT):
            return None
        return self.claim_token, utcnow() + timedelta(seconds=self.lease_seconds)

    def hand_over(self, records: list[dict[str, Any]]) -> None:
        """Deliveries a transaction has just committed as pending and due, or as claimed by
        this process (`lease_for_handoff`): sent without a search of the delivery log (the
        sweep finds any that this process does not send, a claimed one once its lease
        expired)."""
        now = utcnow()
        for record in records:
            if len(self._ready_ids) >= HANDOFF_LIMIT:
                break
            if record["_id"] in self._ready_ids:
                continue
            if (record.get("status") == DeliveryStatus.SENDING.value
                    and record.get("claim") == self.claim_token):
                self._claimed[record["_id"]] = record
                self._held[record["_id"]] = (self.claim_token, record["claimed_until"])
            elif (record.get("status") != DeliveryStatus.PENDING.value
                    or (record.get("next_attempt_at") or now) > now):
                continue
            self._ready.setdefault(slot_key(record), deque()).append(record["_id"])
            self._ready_ids.add(record["_id"])
        self.wake()

    def _take_ready(self, free: int, limit: int) -> list[str]:
        """Up to `free` handed-over ids, none of a subscription beyond its `limit` in flight;
        the subscriptions served go to the end of the line."""
        taken: list[str] = []
        for key in list(self._ready):
            if len(taken) >= free:
                break
            queue = self._ready.pop(key)
            room = free - len(taken)
            if key is not None:
                room = min(room, limit - self.in_flight[key])
            while queue and room > 0:
                taken.append(queue.popleft())
                room -= 1
            if queue:
                self._ready[key] = queue
        self._ready_ids.difference_update(taken)
        return taken

    @property
    def db(self):
        return self.mongo.db

    def store(self) -> Store:
        return self.mongo.background_store()

    # links ---------------------------------------------------------------------------------
    def unsubscribe_url(self, payload: dict[str, str]) -> str:
        token = domain.make_token(self.config.link_secret, payload)
        return (f"{self.config.public_url.rstrip('/')}/api/v1/subscriptions/unsubscribe?"
                + urlencode({"token": token}))

    # the loop ------------------------------------------------------------------------------
    def run(self) -> None:
        while not self._stopped:
            try:
                self.dispatch_due()
            except Exception:
                if self._stopped:
                    break
                log.exception("notification dispatcher failed; trying again")
            self._wake.wait(self.config.dispatcher_poll_seconds)
            self._wake.clear()

    def dispatch_due(self) -> int:
        """Claim the due deliveries (as many as there are free slots, in one batch) and send
        each in its own green thread, with its subscription as read at claim time. A
        subscription has at most `per_subscription_concurrency` sends in flight."""
        free = self.pool.free()
        if free <= 0:
            return 0
        now = utcnow()
        lease = now + timedelta(seconds=self.lease_seconds)
        limit = self.config.per_subscription_concurrency
        due = self._take_ready(free, limit)
        mine = [self._claimed.pop(i) for i in due if i in self._claimed]
        if mine:
            ids = {r["_id"] for r in mine}
            due = [i for i in due if i not in ids]
        own = self._own_claims(mine, now, lease)
        swept = False
        every = (self.config.dispatcher_sweep_seconds if self._ready
                 else self.config.dispatcher_poll_seconds)
        if len(due) < free and time.monotonic() - self._last_sweep >= every:
            self._last_sweep = time.monotonic()
            busy = sorted(k for k, n in self.in_flight.items()
                          if k is not None and n >= limit)
            # what waits in memory is sent from there (claiming it here too would only
            # make the hand-off's claim of it fail)
            handed = set(due) | self._ready_ids
            found = [i for i in repository.due_delivery_ids(self.db, now, free - len(due), busy)
                     if i not in handed]
            swept = bool(found)
            due += found
        if not due and not own:
            return 0
        claimed = repository.claim_batch(self.db, due, now, lease, uuid.uuid4().hex,
                                         expired=swept) if due else []
        for record in claimed:
            self._held[record["_id"]] = (record.get("claim"), record["claimed_until"])
        take, back = domain.within_limits(own + claimed, self.in_flight, limit)
        for record in back:
            self._held.pop(record["_id"], None)
            repository.release(self.db, [record["_id"]], record.get("claim"))
        wanted = {r["subscription_id"] for r in take if r.get("subscription_id")}
        subscriptions = {s["_id"]: s for s in self.db[SUBSCRIPTIONS].find(
            {"_id": {"$in": sorted(wanted)}})} if wanted else {}
        for record in take:
            self.in_flight[slot_key(record)] += 1
            self.pool.spawn_n(self._deliver_safely, record,
                              subscriptions.get(record.get("subscription_id")))
        return len(take)

    def _own_claims(self, mine: list[dict[str, Any]], now: datetime,
                    lease: datetime) -> list[dict[str, Any]]:
        """Of the handed-over deliveries recorded already claimed by this process, those
        to send without a claim write. A lease that ran low (it waited longer than
        `renew_claims` kept up with) is extended first, only while it is still this
        process's and unexpired; one that may have expired is left to the sweep."""
        if not mine:
            return []
        enough = now + timedelta(seconds=self.config.webhook_timeout + self.clock_skew)
        held = {r["_id"]: self._held.get(r["_id"], (None, now))[1] for r in mine}
        fresh = [r for r in mine if held[r["_id"]] > enough]
        low = [r for r in mine if held[r["_id"]] <= enough]
        if low:
            renewed = self._renew({self.claim_token: [r["_id"] for r in low]}, now, lease)
            for record in low:
                if record["_id"] in renewed:
                    record["claimed_until"] = lease
                    self._held[record["_id"]] = (self.claim_token, lease)   # sent: held
                    fresh.append(record)
                else:
                    self._held.pop(record["_id"], None)
                    log.warning("delivery %s waited until its lease ran out; the sweep "
                                "sends it", record["_id"])
        return fresh

    # leases ----------------------------------------------------------------------------------
    def renew_claims_loop(self) -> None:
        while not self._stopped:
            self._renew_wake.wait(self.renew_every)
            self._renew_wake.clear()
            if self._stopped:
                break
            try:
                self.renew_claims()
            except Exception:
                log.exception("notification dispatcher: leases not renewed; trying again")

    def renew_claims(self) -> int:
        """Extend the leases of the claims this process holds that are past half their
        time: a delivery waiting in memory to be sent, being sent (an SMTP exchange may take
        longer than a webhook's timeout) or sent and waiting in the batch recorder (review
        finding N2: one that waited there longer than its lease could be claimed and sent
        again by another sender) keeps its claim for as long as this process lives. Only
        unexpired leases are extended (conditional on the claim and its end), so a claim
        another sender may have taken is never taken back; what this process then
        believes of it is not trusted (`_own_claims`, the recorder's conditional writes).
        The batch the recorder is writing when a statement goes is left for the next
        round: its transaction takes a moment of a lease, and the two writes would only
        meet (each attempt of a renewal's transaction asks again).
        Returns how many were renewed."""
        now = utcnow()
        soon = now + timedelta(seconds=self.lease_seconds / 2)
        safe = now + timedelta(seconds=self.clock_skew)
        due: dict[str | None, list[str]] = defaultdict(list)
        waiting: dict[str | None, list[str]] = defaultdict(list)
        for delivery_id, (token, until) in list(self._held.items()):
            if safe < until < soon:
                # sent or being sent first (a lease lost there means a second send);
                # one that still waits in memory is checked again before it is sent
                (waiting if delivery_id in self._claimed else due)[token].append(delivery_id)
        for token, ids in waiting.items():
            due[token].extend(ids)
        if not due:
            return 0
        return len(self._renew(due, now, now + timedelta(seconds=self.lease_seconds)))

    def _renew(self, claims: dict[str | None, list[str]], now: datetime,
               until: datetime) -> set[str]:
        """Extend the unexpired leases of `claims` (delivery ids by claim token) to `until`
        and remember the new ends of those renewed that this process still holds with that
        token; returns the ids renewed."""
        renewed = repository.renew_claims(self.db, claims, now, until,
                                          busy=lambda: self._recording)
        for token, ids in claims.items():
            for delivery_id in ids:
                if delivery_id in renewed and self._held.get(delivery_id, (None,))[0] == token:
                    self._held[delivery_id] = (token, until)
        return renewed

    def _deliver_safely(self, record: dict[str, Any], subscription: dict | None) -> None:
        try:
            self.deliver(record, subscription)
        except Exception as exc:
            # counted as a failed attempt: the attempt limit and suspension still apply, so
            # nothing is sent again and again for ever
            log.exception("delivery %s failed unexpectedly", record["_id"])
            try:
                outcome = domain.attempt_outcome(None, record["attempts"] + 1,
                                                 self.config.retry_policy)
                self._finish(record, outcome, None, f"internal error: {type(exc).__name__}",
                             None)
            except Exception:
                self._held.pop(record["_id"], None)   # not renewed: the sweep retries it
                log.exception("delivery %s: its failure could not be recorded; its claim "
                              "expires", record["_id"])
        finally:
            key = slot_key(record)
            self.in_flight[key] -= 1
            if self.in_flight[key] <= 0:
                del self.in_flight[key]
            if self._ready:
                self.wake()   # a slot is free and handed-over deliveries wait for one

    def deliver(self, record: dict[str, Any], subscription: dict | None = None) -> None:
        if record.get("subscription_id") and subscription is None:
            subscription = self.db[SUBSCRIPTIONS].find_one({"_id": record["subscription_id"]})
        if record["channel"] == Channel.WEBHOOK:
            self._deliver_webhook(record, subscription)
        elif record["channel"] == Channel.EMAIL:
            self._deliver_email(record, subscription)
        else:
            self._finish(record, Outcome.SENT, None, None, None)

    # webhooks ------------------------------------------------------------------------------
    def _deliver_webhook(self, record: dict[str, Any], subscription: dict | None) -> None:
        if subscription is None or subscription["status"] != SubscriptionStatus.ACTIVE:
            self._finish(record, Outcome.DEAD, None, "subscription not active", None,
                         count_failure=False)
            return
        body = encode_event(record["event"])
        headers = {
            "Content-Type": "application/cloudevents+json; charset=utf-8",
            "User-Agent": USER_AGENT,
            **signature_headers(subscription["secret"], body),
            domain.DELIVERY_HEADER: record["_id"],
            domain.EVENT_TYPE_HEADER: record["event_type"],
        }
        result = post_webhook(subscription["target"], body, headers,
                              self.config.webhook_timeout, self.target_policy,
                              self.config.webhook_max_response_bytes,
                              pools=self.receivers)
        outcome = Outcome.DEAD if result.refused else domain.attempt_outcome(
            result.status, record["attempts"] + 1, self.config.retry_policy)
        retry_after = domain.parse_retry_after(result.retry_after, utcnow())
        error = domain.redact(result.error or "", subscription["secret"]) or None
        self._finish(record, outcome, result.status, error, retry_after)

    # email ---------------------------------------------------------------------------------
    def _deliver_email(self, record: dict[str, Any], subscription: dict | None) -> None:
        if record.get("subscription_id"):
            if subscription is None or subscription["status"] != SubscriptionStatus.ACTIVE:
                self._finish(record, Outcome.DEAD, None, "subscription not active", None,
                             count_failure=False)
                return
        recipient = Recipient(record["channel"], record["target"], record["audience"],
                              record.get("subscription_id"))
        unsubscribe = self.unsubscribe_url(
            domain.unsubscribe_payload(recipient, record["event_type"]))
        rendered = self.renderer.render(
            record["event_type"],
            event_context(record["event"], self.config.public_url, unsubscribe))
        message = build_message(self.config, record["target"], rendered, unsubscribe,
                                record["_id"], record["event_type"])
        try:
            send_email(self.config, message)
        except MailUnavailable as exc:
            # the SMTP server is away: the message waits and goes out when it is back
            self._finish(record, Outcome.RETRY, None, f"SMTP unavailable: {exc}",
                         self.config.email_retry_seconds, count_failure=False, email=True)
            return
        except MailRefused as exc:
            self._finish(record, Outcome.DEAD, None, f"SMTP refused: {exc}", None,
                         count_failure=False)
            return
        self._finish(record, Outcome.SENT, None, None, None)

    # recording the result ------------------------------------------------------------------
    def _finish(self, record: dict[str, Any], outcome: Outcome, status: int | None,
                error: str | None, retry_after: float | None, *, count_failure: bool = True,
                email: bool = False) -> None:
        now = utcnow()
        attempts = record["attempts"] + 1
        changes: dict[str, Any] = {"attempts": attempts, "updated_at": now,
                                   "last_status_code": status, "last_error": error,
                                   "claimed_until": None, "claim": None}
        # only while the claim is still this dispatcher's: a claim that expired meanwhile
        # may have been taken by another sender, whose result is the one to keep
        mine = {"_id": record["_id"], "status": DeliveryStatus.SENDING.value,
                "claim": record.get("claim")}
        if outcome == Outcome.SENT:
            changes.update(status=DeliveryStatus.SENT.value, sent_at=now, last_error=None)
        elif outcome == Outcome.RETRY:
            delay = retry_after if email else domain.backoff_delay(
                attempts, self.config.retry_policy, self.rng, retry_after)
            changes.update(status=DeliveryStatus.PENDING.value,
                           next_attempt_at=now + timedelta(seconds=delay))
        else:
            changes.update(status=DeliveryStatus.DEAD.value, next_attempt_at=None)
        attempt = DELIVERIES_TOTAL.labels(self.settings.service, record["channel"],
                                          METRIC_OUTCOMES[outcome])
        if outcome == Outcome.SENT:
            self._sent.append(({**record, **changes}, record.get("claim")))
            self._sent_wake.set()
            return
        if outcome == Outcome.RETRY:
            if self.db[DELIVERIES].update_one(mine, {"$set": changes}).modified_count:
                attempt.inc()
            else:
                log.warning("delivery %s: its claim expired while sending; result dropped",
                            record["_id"])
            self._held.pop(record["_id"], None)
            return
        updated = {**record, **changes}

        def work(tx: Transaction) -> bool:
            if not tx.db[DELIVERIES].update_one(mine, {"$set": changes},
                                                session=tx.session).modified_count:
                return False
            self._on_dead(tx, updated, count_failure, now)
            return True

        done = self.store().transaction(work)
        self._held.pop(record["_id"], None)
        if not done:
            log.warning("delivery %s: its claim expired while sending; result dropped",
                        record["_id"])
            return
        attempt.inc()
        if outcome == Outcome.DEAD:
            log.warning("delivery %s of %s dead-lettered after %d attempts: %s",
                        record["_id"], record["event_type"], attempts, error)
        if self.pool.free() <= 1:
            self.wake()  # the pool was full: there may be due deliveries waiting for a slot

    # successes, recorded in batches ----------------------------------------------------------
    def record_sent_loop(self) -> None:
        while not self._stopped:
            self._sent_wake.wait(1.0)
            self._sent_wake.clear()
            try:
                while self._sent and not self._stopped:
                    self.record_sent()
            except Exception:
                if self._stopped:
                    break
                log.exception("notification dispatcher: recording successes failed; trying "
                              "again")
                eventlet_sleep(0.5)

    def record_sent(self) -> int:
        """Record the successes that wait (at most SENT_BATCH) in one transaction with their
        `notification.sent` events: the deliveries marked sent (each only while its claim is
        still this dispatcher's), the subscriptions' failure counts reset. If any claim
        expired meanwhile, each is recorded alone (that one's result is dropped)."""
        batch, self._sent[:] = self._sent[:SENT_BATCH], self._sent[SENT_BATCH:]
        if not batch:
            return 0
        self._recording = frozenset(r["_id"] for r, _ in batch)
        try:
            recorded = self.store().transaction(lambda tx: self._record_sent(tx, batch))
        except _ClaimLost:
            recorded = [r for r, claim in batch if self._record_one_sent(r, claim)]
        except Exception:
            self._sent[:0] = batch   # tried again by the loop; at stop the claims expire
            raise
        finally:
            self._recording = frozenset()
        for record, _ in batch:
            self._held.pop(record["_id"], None)
        for record in recorded:
            DELIVERIES_TOTAL.labels(self.settings.service, record["channel"],
                                    METRIC_OUTCOMES[Outcome.SENT]).inc()
        if self.pool.free() <= 1 or self._ready:
            self.wake()
        return len(recorded)

    def _record_sent(self, tx: Transaction, batch: list[tuple[dict[str, Any], str | None]]
                     ) -> list[dict[str, Any]]:
        changed = tx.db[DELIVERIES].bulk_write([UpdateOne(
            {"_id": r["_id"], "status": DeliveryStatus.SENDING.value, "claim": claim},
            {"$set": {k: r[k] for k in SENT_CHANGES}}) for r, claim in batch],
            ordered=False, session=tx.session).modified_count
        if changed != len(batch):
            raise _ClaimLost
        batch_records = [r for r, _ in batch]
        subscriptions = sorted({r["subscription_id"] for r in batch_records
                                if r.get("subscription_id") and r["channel"] == Channel.WEBHOOK})
        if subscriptions:
            # written only where there is something to reset: concurrent successes of one
            # subscription then do not conflict on its document
            tx.db[SUBSCRIPTIONS].update_many(
                {"_id": {"$in": subscriptions}, "consecutive_failures": {"$ne": 0}},
                {"$set": {"consecutive_failures": 0}}, session=tx.session)
        tx.emit_many([("notification.sent", r["_id"], records.delivery_payload(
            r, status=DeliveryStatus.SENT.value)) for r in batch_records])
        return batch_records

    def _record_one_sent(self, record: dict[str, Any], claim: str | None) -> bool:
        mine = {"_id": record["_id"], "status": DeliveryStatus.SENDING.value, "claim": claim}

        def work(tx: Transaction) -> bool:
            if not tx.db[DELIVERIES].update_one(
                    mine, {"$set": {k: record[k] for k in SENT_CHANGES}},
                    session=tx.session).modified_count:
                return False
            self._on_sent(tx, record)
            return True

        if self.store().transaction(work):
            return True
        log.warning("delivery %s: its claim expired while sending; result dropped",
                    record["_id"])
        return False

    def _on_sent(self, tx: Transaction, record: dict[str, Any]) -> None:
        if record.get("subscription_id") and record["channel"] == Channel.WEBHOOK:
            # written only when there is something to reset: concurrent successes of one
            # subscription then do not conflict on its document
            tx.db[SUBSCRIPTIONS].update_one(
                {"_id": record["subscription_id"], "consecutive_failures": {"$ne": 0}},
                {"$set": {"consecutive_failures": 0}}, session=tx.session)
        tx.emit("notification.sent", record["_id"], records.delivery_payload(
            record, status=DeliveryStatus.SENT.value))

    def _on_dead(self, tx: Transaction, record: dict[str, Any], count_failure: bool,
                 now: datetime) -> None:
        suspended = False
        failures = 0
        subscription = None
        if count_failure and record.get("subscription_id"):
            subscription = tx.db[SUBSCRIPTIONS].find_one_and_update(
                {"_id": record["subscription_id"]}, {"$inc": {"consecutive_failures": 1}},
                session=tx.session, return_document=True)
            failures = subscription["consecutive_failures"] if subscription else 0
            if (subscription and subscription["status"] == SubscriptionStatus.ACTIVE
                    and domain.should_suspend(failures, self.config.retry_policy)):
                tx.db[SUBSCRIPTIONS].update_one(
                    {"_id": subscription["_id"]},
                    {"$set": {"status": SubscriptionStatus.SUSPENDED.value,
                              "suspended_at": now, "updated_at": now}},
                    session=tx.session)
                suspended = True
        event = tx.emit("notification.failed", record["_id"], records.delivery_payload(
            record, status=DeliveryStatus.DEAD.value, last_error=record.get("last_error"),
            last_status_code=record.get("last_status_code"),
            subscription_suspended=suspended,
            consecutive_failures=failures))
        if suspended and subscription is not None:
            self._tell_owner(tx, subscription, event.to_dict(), now)

    def deliver_to_inbox(self, tx: Transaction, record: dict[str, Any], audience: str,
                         event: dict[str, Any], now: datetime) -> bool:
        """An inbox delivery is sent as it is recorded: the item, rendered, is in the inbox
        (False when this delivery was already recorded)."""
        record.update(status=DeliveryStatus.SENT.value, sent_at=now)
        if not Deliveries(tx).add(record):
            return False
        rendered = self.renderer.render(event["type"],
                                        event_context(event, self.config.public_url, None))
        Inbox(tx).add(records.new_inbox_item(audience, event, rendered.subject,
                                             rendered.summary, record["_id"], now))
        return True

    def _tell_owner(self, tx: Transaction, subscription: dict[str, Any],
                    event: dict[str, Any], now: datetime) -> None:
        """A suspended subscription's owner hears of it in the inbox and, if known, by email."""
        owner = subscription["owner"]
        self.deliver_to_inbox(tx, records.new_delivery(Recipient(Channel.INBOX, owner, owner),
                                                       event, now), owner, event, now)
        if subscription.get("owner_email"):
            Deliveries(tx).add(records.new_delivery(
                Recipient(Channel.EMAIL, subscription["owner_email"], owner), event, now))

    # digests -------------------------------------------------------------------------------
    def send_due_digests(self, now: datetime | None = None) -> int:
        """Send every digest that is due; returns how many emails went out. Each digest is
        claimed first (a conditional update on the subscription), so with several replicas
        running this timer a digest goes out once; a digest that fails is tried again with
        backoff, at most `max_attempts` times in its period."""
        now = now or utcnow()
        sent = 0
        for subscription in self.db[SUBSCRIPTIONS].find(
                {"status": SubscriptionStatus.ACTIVE.value,
                 "digest": {"$in": [domain.Digest.DAILY.value, domain.Digest.WEEKLY.value]}}):
            since = subscription.get("last_digest_at") or subscription["created_at"]
            if not domain.digest_due(subscription["digest"], since, now):
                continue
            if subscription.get("digest_retry_at") and subscription["digest_retry_at"] > now:
                continue
            token = uuid.uuid4().hex
            claimed = repository.claim_digest(
                self.db, subscription, now,
                now + timedelta(seconds=self.config.smtp_timeout * 3 + CLAIM_GRACE_SECONDS),
                token)
            if claimed is None:
                continue   # another replica is sending it (or has just sent it)
            if self._send_digest(claimed, now, token):
                sent += 1
        return sent

    def _send_digest(self, subscription: dict[str, Any], now: datetime, token: str) -> bool:
        mine = {"_id": subscription["_id"], "digest_claim": token}
        done = {"last_digest_at": now, "digest_claim": None, "digest_claimed_until": None,
                "digest_failures": 0, "digest_retry_at": None}
        items = list(self.db[DELIVERIES].find(
            {"subscription_id": subscription["_id"], "status": DeliveryStatus.DIGEST.value}))
        if not items:
            self.db[SUBSCRIPTIONS].update_one(mine, {"$set": done})
            return False
        groups = []
        for group in domain.group_digest(items):
            titled = [{"title": self.renderer.render(
                i["event_type"], event_context(i["event"], self.config.public_url, None)
            ).subject, "event_id": i["event_id"]} for i in group.items]
            groups.append({"event_type": group.event_type, "entries": titled})
        recipient = Recipient(Channel.EMAIL, subscription["target"], subscription["owner"],
                              subscription["_id"])
        unsubscribe = self.unsubscribe_url(domain.unsubscribe_payload(recipient, "digest"))
        rendered = self.renderer.render("digest", {
            "groups": groups, "count": len(items), "period": subscription["digest"],
            "public_url": self.config.public_url, "unsubscribe_url": unsubscribe})
        key = f"digest-{subscription['_id']}-{now:%Y%m%d%H%M%S}"
        ids = [i["_id"] for i in items]
        try:
            send_email(self.config, build_message(self.config, subscription["target"],
                                                  rendered, unsubscribe, key, "digest"))
        except (MailUnavailable, MailRefused) as exc:
            self._digest_failed(subscription, mine, ids, now, exc)
            return False

        def work(tx: Transaction) -> None:
            tx.db[DELIVERIES].update_many(
                {"_id": {"$in": ids}, "status": DeliveryStatus.DIGEST.value},
                {"$set": {"status": DeliveryStatus.DIGESTED.value, "sent_at": now,
                          "updated_at": now}}, session=tx.session)
            tx.db[SUBSCRIPTIONS].update_one(mine, {"$set": done}, session=tx.session)

        self.store().transaction(work)
        return True

    def _digest_failed(self, subscription: dict[str, Any], mine: dict[str, Any],
                       ids: list[str], now: datetime, exc: Exception) -> None:
        """Try again later with backoff; after `max_attempts` give this period up: a refused
        digest's items are dead-lettered (visible in the delivery log), an unavailable SMTP
        server's wait for the next period's digest."""
        failures = int(subscription.get("digest_failures") or 0) + 1
        policy = self.config.retry_policy
        released = {"digest_claim": None, "digest_claimed_until": None}
        if failures < policy.max_attempts:
            delay = domain.backoff_delay(failures, policy, self.rng)
            self.db[SUBSCRIPTIONS].update_one(mine, {"$set": {
                **released, "digest_failures": failures,
                "digest_retry_at": now + timedelta(seconds=delay)}})
            log.warning("digest for subscription %s not sent (attempt %d): %s",
                        subscription["_id"], failures, exc)
            return
        log.warning("digest for subscription %s given up after %d attempts: %s",
                    subscription["_id"], failures, exc)
        self.db[SUBSCRIPTIONS].update_one(mine, {"$set": {
            **released, "digest_failures": 0, "digest_retry_at": None, "last_digest_at": now}})
        if isinstance(exc, MailRefused):
            self.db[DELIVERIES].update_many(
                {"_id": {"$in": ids}, "status": DeliveryStatus.DIGEST.value},
                {"$set": {"status": DeliveryStatus.DEAD.value, "updated_at": now,
                          "last_error": f"SMTP refused: {exc}", "next_attempt_at": None}})
