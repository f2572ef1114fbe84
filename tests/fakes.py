"""First-class fakes of the ports: an in-memory store with real transactions, a clock you can
advance, and a notifier that records what it was asked to post."""

from __future__ import annotations

import asyncio
import copy
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from types import TracebackType
from typing import Any, Self

from adapters.console import PLATFORM as CONSOLE
from bot.app.outbox import UndeliverableError
from bot.app.ports import (
    AlreadyFiledError,
    BindingTakenError,
    DuplicateError,
    ForeignSubmissionError,
    NotFoundError,
)
from bot.domain.models import (
    ChatBinding,
    Contact,
    Countdown,
    Customer,
    Destination,
    HypercarePeriod,
    Identity,
    NewTicket,
    OutboxMessage,
    Role,
    ServiceWindow,
    Target,
    ThreadRef,
    Ticket,
    TicketEvent,
    TicketStatus,
    TimeEntry,
    WindowRevision,
    require_aware,
)
from bot.domain.text import name_key

__all__ = ["Delivery", "FixedClock", "InMemoryStore", "RecordingNotifier"]

_TICKET_FIELDS = frozenset(Ticket.__dataclass_fields__) - {"id", "ref", "customer_id", "source_key"}
_CUSTOMER_FIELDS = frozenset(Customer.__dataclass_fields__) - {"id"}
_CLOCK = frozenset({"priority", "opened_at", "first_response_due", "first_responded_at", "status"})


@dataclass
class _State:
    """Everything the store holds; copied at the start of a unit, swapped in on commit."""

    customers: dict[int, Customer] = field(default_factory=dict)
    contacts: dict[int, Contact] = field(default_factory=dict)
    tickets: dict[int, Ticket] = field(default_factory=dict)
    events: list[TicketEvent] = field(default_factory=list)
    times: list[TimeEntry] = field(default_factory=list)
    outbox: dict[int, OutboxMessage] = field(default_factory=dict)
    hypercare: dict[int, HypercarePeriod] = field(default_factory=dict)
    inbox: dict[str, datetime] = field(default_factory=dict)
    # Per ticket id: when its SLA countdown next needs a look, the keys done, the edit number.
    countdown_at: dict[int, datetime | None] = field(default_factory=dict)
    countdown_done: dict[int, tuple[str, ...]] = field(default_factory=dict)
    edit_seq: dict[int, int] = field(default_factory=dict)
    windows: dict[int, ServiceWindow] = field(default_factory=dict)
    window_revisions: list[WindowRevision] = field(default_factory=list)
    last_number: int = 1000
    next_id: int = 1

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1


class _Customers:
    def __init__(self, state: _State) -> None:
        self.s = state

    async def add(
        self,
        *,
        name: str,
        bindings: Sequence[ChatBinding] = (),
        is_provider: bool = False,
    ) -> Customer:
        if await self.by_name(name=name) is not None:
            raise DuplicateError(f"customer {name!r} exists")
        self._check(None, bindings)
        customer = Customer(
            id=self.s.new_id(),
            name=name,
            bindings=tuple(sorted(bindings, key=lambda b: b.platform)),
            is_provider=is_provider,
        )
        self.s.customers[customer.id] = customer
        return customer

    async def get(self, *, customer_id: int) -> Customer | None:
        return self.s.customers.get(customer_id)

    async def by_name(self, *, name: str) -> Customer | None:
        return next(
            (c for c in self.s.customers.values() if name_key(c.name) == name_key(name)), None
        )

    async def by_binding(
        self, *, platform: str, workspace: str | None = None, conversation: str | None = None
    ) -> Customer | None:
        found = []
        for c in self.s.customers.values():
            b = c.binding(platform)
            if b is None:
                continue
            if conversation is not None:
                if b.conversation == conversation and (
                    workspace is None or b.workspace in (None, workspace)
                ):
                    found.append(c)
            elif workspace is not None and b.workspace == workspace:
                found.append(c)
        return found[0] if len(found) == 1 else None

    def _check(self, customer_id: int | None, bindings: Sequence[ChatBinding]) -> None:
        for b in bindings:
            for other in self.s.customers.values():
                theirs = other.binding(b.platform)
                if other.id == customer_id or theirs is None:
                    continue
                if b.conversation is not None and theirs.conversation == b.conversation:
                    raise BindingTakenError(b, other.name, whole_workspace=False)
                if (
                    b.workspace is not None
                    and theirs.workspace == b.workspace
                    and None in (b.conversation, theirs.conversation)
                ):
                    raise BindingTakenError(b, other.name, whole_workspace=True)

    async def update(self, *, customer_id: int, **changes: Any) -> Customer:
        unknown = set(changes) - _CUSTOMER_FIELDS
        if unknown:
            raise ValueError(f"unknown customer fields: {sorted(unknown)}")
        if customer_id not in self.s.customers:
            raise NotFoundError(f"no customer {customer_id}")
        if "bindings" in changes:
            self._check(customer_id, changes["bindings"])
            changes["bindings"] = tuple(sorted(changes["bindings"], key=lambda b: b.platform))
        updated = replace(self.s.customers[customer_id], **changes)
        self.s.customers[customer_id] = updated
        return updated

    async def all(self) -> list[Customer]:
        return sorted(self.s.customers.values(), key=lambda c: c.name.casefold())

    async def remove(self, *, customer_id: int) -> None:
        if customer_id not in self.s.customers:
            raise NotFoundError(f"no customer {customer_id}")
        held = [c for c in self.s.contacts.values() if c.customer_id == customer_id]
        held += [t for t in self.s.tickets.values() if t.customer_id == customer_id]
        held += [p for p in self.s.hypercare.values() if p.customer_id == customer_id]
        if held:
            raise ValueError(f"customer {customer_id} still has contacts, tickets or hypercare")
        del self.s.customers[customer_id]


class _Contacts:
    def __init__(self, state: _State) -> None:
        self.s = state

    async def add(
        self, *, customer_id: int, identity: Identity, role: Role, display_name: str = ""
    ) -> Contact:
        if customer_id not in self.s.customers:
            raise NotFoundError(f"no customer {customer_id}")
        if await self.find(identity=identity) is not None:
            raise DuplicateError(f"{identity} is bound already")
        key = name_key(display_name)
        for other in await self.for_customer(customer_id=customer_id):
            if key and name_key(other.display_name) == key:
                raise DuplicateError(f"a contact named {other.display_name!r} exists already")
        contact = Contact(self.s.new_id(), customer_id, identity, Role(role), display_name)
        self.s.contacts[contact.id] = contact
        return contact

    async def find(self, *, identity: Identity) -> Contact | None:
        return next((c for c in self.s.contacts.values() if c.identity == identity), None)

    async def for_customer(
        self, *, customer_id: int, roles: Sequence[Role] | None = None
    ) -> list[Contact]:
        return [
            c
            for c in self.s.contacts.values()
            if c.customer_id == customer_id and (roles is None or c.role in roles)
        ]

    async def all(self) -> list[Contact]:
        return sorted(self.s.contacts.values(), key=lambda c: (c.customer_id, c.id))

    async def remove(self, *, identity: Identity) -> Contact | None:
        contact = await self.find(identity=identity)
        if contact is not None:
            del self.s.contacts[contact.id]
        return contact


class _Hypercare:
    def __init__(self, state: _State) -> None:
        self.s = state

    async def add(self, *, customer_id: int, start: date, weeks: int) -> HypercarePeriod:
        if weeks <= 0:
            raise ValueError(f"hypercare lasts a positive number of weeks, got {weeks}")
        period = HypercarePeriod(self.s.new_id(), customer_id, start, weeks)
        self.s.hypercare[period.id] = period
        return period

    async def current(self, *, customer_id: int) -> HypercarePeriod | None:
        mine = [p for p in self.s.hypercare.values() if p.customer_id == customer_id]
        return max(mine, key=lambda p: (p.start, p.id), default=None)

    async def all_current(self) -> list[HypercarePeriod]:
        customers = {p.customer_id for p in self.s.hypercare.values()}
        found = [await self.current(customer_id=c) for c in customers]
        return [p for p in found if p is not None]

    async def update(self, *, period_id: int, **changes: Any) -> HypercarePeriod:
        if period_id not in self.s.hypercare:
            raise NotFoundError(f"no hypercare period {period_id}")
        for key in ("extensions", "sign_offs"):
            if key in changes:
                changes[key] = tuple(dict(v) for v in changes[key])
        updated = replace(self.s.hypercare[period_id], **changes)
        self.s.hypercare[period_id] = updated
        return updated

    async def remove(self, *, customer_id: int) -> int:
        mine = [k for k, p in self.s.hypercare.items() if p.customer_id == customer_id]
        for key in mine:
            del self.s.hypercare[key]
        return len(mine)


class _Windows:
    def __init__(self, state: _State) -> None:
        self.s = state

    async def add(
        self,
        *,
        service: str | None,
        start: datetime,
        end: datetime,
        reason: str,
        state: str = "planned",
        at: datetime | None = None,
        actor: str = "",
    ) -> ServiceWindow:
        if require_aware(end) <= require_aware(start):
            raise ValueError("a service window must end after it starts")
        window = ServiceWindow(
            self.s.new_id(), service, start, end, reason, state, 1,
            None if at is None else require_aware(at),
        )  # fmt: skip
        self.s.windows[window.id] = window
        if at is not None:
            self._record(window, at=at, actor=actor, action="added", note=None)
        return window

    def _record(
        self, w: ServiceWindow, *, at: datetime, actor: str, action: str, note: str | None
    ) -> None:
        self.s.window_revisions.append(
            WindowRevision(
                w.id, w.revision, at, actor, action, w.start, w.end, w.service, w.reason, note
            )
        )

    async def get(self, *, window_id: int, lock: bool = False) -> ServiceWindow | None:
        return self.s.windows.get(window_id)

    async def revise(
        self,
        *,
        window_id: int,
        at: datetime,
        actor: str,
        action: str,
        note: str | None = None,
        **changes: Any,
    ) -> ServiceWindow:
        if window_id not in self.s.windows:
            raise NotFoundError(f"no service window {window_id}")
        unknown = set(changes) - {"service", "start", "end", "reason", "state"}
        if unknown:
            raise ValueError(f"unknown service window field: {sorted(unknown)[0]}")
        old = self.s.windows[window_id]
        new = replace(old, **changes, revision=old.revision + 1, revised_at=require_aware(at))
        if new.end <= new.start:
            raise ValueError("a service window must end after it starts")
        self.s.windows[window_id] = new
        self._record(new, at=at, actor=actor, action=action, note=note)
        return new

    async def revisions(self, *, window_id: int) -> list[WindowRevision]:
        return [r for r in self.s.window_revisions if r.window_id == window_id]

    async def on_the_clock(
        self, *, now: datetime, lead: timedelta, after_end: timedelta
    ) -> list[ServiceWindow]:
        found = [
            w
            for w in self.s.windows.values()
            if not w.cancelled and w.start <= now + lead and w.end > now - after_end
        ]
        return sorted(found, key=lambda w: (w.start, w.id))

    async def list(
        self,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        states: Sequence[str] | None = None,
    ) -> list[ServiceWindow]:
        found = [
            w
            for w in self.s.windows.values()
            if (end is None or w.start < end)
            and (start is None or w.end > start)
            and (states is None or w.state in states)
        ]
        return sorted(found, key=lambda w: (w.start, w.id))


class _Tickets:
    def __init__(self, state: _State, prefix: str) -> None:
        self.s = state
        self.prefix = prefix

    async def create(self, *, ticket: NewTicket, actor: str) -> Ticket:
        require_aware(ticket.opened_at, "opened_at")
        require_aware(ticket.first_response_due, "first_response_due")
        if ticket.customer_id not in self.s.customers:
            raise NotFoundError(f"no customer {ticket.customer_id}")
        if ticket.source_key is not None:
            for existing in self.s.tickets.values():
                if existing.source_key != ticket.source_key:
                    continue
                if (existing.customer_id, existing.reporter) != (
                    ticket.customer_id,
                    ticket.reporter,
                ):
                    raise ForeignSubmissionError(f"source key {ticket.source_key!r} is not theirs")
                raise AlreadyFiledError(existing)
        self.s.last_number += 1
        fields = {k: getattr(ticket, k) for k in NewTicket.__dataclass_fields__}
        stored = Ticket(
            id=self.s.new_id(),
            ref=f"{self.prefix}-{self.s.last_number}",
            status=TicketStatus.OPEN,
            **fields,
        )
        self.s.tickets[stored.id] = stored
        self.s.events.append(
            TicketEvent(stored.id, ticket.opened_at, actor, "created", {}, {"ref": stored.ref})
        )
        self._restart_countdown(stored, ticket.opened_at)
        return stored

    def _restart_countdown(self, ticket: Ticket, at: datetime) -> None:
        """As the SQL repository: due for the next tick, or over once nothing is owed."""
        if ticket.first_responded_at is not None or not ticket.is_open:
            self.s.countdown_at[ticket.id] = None
            return
        current = self.s.countdown_at.get(ticket.id)
        self.s.countdown_at[ticket.id] = at if current is None else min(current, at)

    async def countdowns_due(self, *, now: datetime, limit: int) -> list[Countdown]:
        require_aware(now, "now")
        due = [
            (at, self.s.tickets[i])
            for i, at in self.s.countdown_at.items()
            if at is not None and at <= now
        ]
        due.sort(key=lambda pair: (pair[0], pair[1].id))
        return [Countdown(t, self.s.countdown_done.get(t.id, ()), at) for at, t in due[:limit]]

    async def record_countdowns(
        self, *, countdowns: Sequence[Countdown], at: datetime, posted: Mapping[str, str]
    ) -> None:
        require_aware(at, "at")
        for c in countdowns:
            if c.ticket.id not in self.s.tickets:
                raise NotFoundError(f"no ticket {c.ticket.ref}")
            self.s.countdown_at[c.ticket.id] = (
                None if c.next_at is None else require_aware(c.next_at)
            )
            self.s.countdown_done[c.ticket.id] = tuple(c.done)
            if c.ticket.ref in posted:
                after = {"milestone": posted[c.ticket.ref]}
                self.s.events.append(
                    TicketEvent(c.ticket.id, at, "bot", "sla.countdown", {}, after)
                )

    async def next_edit_seq(self, *, ref: str) -> int:
        ticket = await self.get(ref=ref)
        if ticket is None:
            raise NotFoundError(f"no ticket {ref}")
        self.s.edit_seq[ticket.id] = self.s.edit_seq.get(ticket.id, 0) + 1
        return self.s.edit_seq[ticket.id]

    async def by_thread(self, *, thread: ThreadRef) -> Ticket | None:
        return next((t for t in self.s.tickets.values() if t.thread == thread), None)

    async def get(self, *, ref: str, lock: bool = False) -> Ticket | None:
        # `lock` needs nothing more here: a unit holds the store's lock from start to end.
        wanted = ref.strip().upper()
        return next((t for t in self.s.tickets.values() if t.ref == wanted), None)

    async def update(
        self, *, ref: str, actor: str, action: str, at: datetime, **changes: Any
    ) -> Ticket:
        require_aware(at, "at")
        unknown = set(changes) - _TICKET_FIELDS
        if unknown:
            raise ValueError(f"unknown ticket fields: {sorted(unknown)}")
        ticket = await self.get(ref=ref)
        if ticket is None:
            raise NotFoundError(f"no ticket {ref}")
        for key, value in changes.items():
            if isinstance(value, datetime):
                require_aware(value, key)
        updated = replace(ticket, **changes)
        self.s.tickets[ticket.id] = updated
        before = {k: getattr(ticket, k) for k in changes}
        self.s.events.append(TicketEvent(ticket.id, at, actor, action, before, dict(changes)))
        if _CLOCK & set(changes):
            self._restart_countdown(updated, at)
        return updated

    async def query(
        self,
        *,
        customer_id: int | None = None,
        statuses: Sequence[TicketStatus] | None = None,
        reporter: Identity | None = None,
        limit: int | None = None,
    ) -> list[Ticket]:
        found = [
            t
            for t in self.s.tickets.values()
            if (customer_id is None or t.customer_id == customer_id)
            and (statuses is None or t.status in statuses)
            and (reporter is None or t.reporter == reporter)
        ]
        found.sort(key=lambda t: (t.opened_at, t.id), reverse=True)
        return found[:limit] if limit is not None else found

    async def events(self, *, ref: str) -> list[TicketEvent]:
        ticket = await self.get(ref=ref)
        if ticket is None:
            raise NotFoundError(f"no ticket {ref}")
        return [e for e in self.s.events if e.ticket_id == ticket.id]

    async def log_time(
        self, *, ref: str, agent: Identity, minutes: int, at: datetime, note: str = ""
    ) -> TimeEntry:
        require_aware(at, "at")
        if minutes <= 0:
            raise ValueError("logged time must be positive")
        ticket = await self.get(ref=ref)
        if ticket is None:
            raise NotFoundError(f"no ticket {ref}")
        entry = TimeEntry(ticket.id, agent, minutes, at, note)
        self.s.times.append(entry)
        self.s.events.append(
            TicketEvent(ticket.id, at, str(agent), "time.logged", {}, {"minutes": minutes})
        )
        return entry

    async def time_entries(self, *, ref: str | None = None) -> list[TimeEntry]:
        if ref is None:
            return list(self.s.times)
        ticket = await self.get(ref=ref)
        if ticket is None:
            raise NotFoundError(f"no ticket {ref}")
        return [e for e in self.s.times if e.ticket_id == ticket.id]


class _Outbox:
    def __init__(self, state: _State) -> None:
        self.s = state

    async def enqueue(
        self, *, target: Target, content: dict[str, Any], dedupe_key: str, at: datetime
    ) -> bool:
        require_aware(at, "at")
        if any(m.dedupe_key == dedupe_key for m in self.s.outbox.values()):
            return False
        message = OutboxMessage(
            self.s.new_id(), target, copy.deepcopy(content), dedupe_key, 0, at, created_at=at
        )
        self.s.outbox[message.id] = message
        return True

    async def due(
        self, *, now: datetime, limit: int = 50, platforms: Sequence[str] | None = None
    ) -> list[OutboxMessage]:
        found = [
            m
            for m in self.s.outbox.values()
            if self._claimable(m, now) and (platforms is None or m.target.platform in platforms)
        ]
        found.sort(key=lambda m: (m.next_attempt_at, m.id))
        return found[:limit]

    @staticmethod
    def _claimable(m: OutboxMessage, now: datetime) -> bool:
        return (
            m.sent_at is None
            and m.parked_at is None
            and m.next_attempt_at <= now
            and (m.lease_expires_at is None or m.lease_expires_at <= now)
        )

    async def claim(
        self, *, message_id: int, owner: str, now: datetime, until: datetime
    ) -> OutboxMessage | None:
        m = self.s.outbox.get(message_id)
        if m is None or not self._claimable(m, require_aware(now, "now")):
            return None
        claimed = replace(
            m,
            lease_owner=owner,
            lease_expires_at=require_aware(until, "until"),
            claims=m.claims + 1,
        )
        self.s.outbox[message_id] = claimed
        return claimed

    async def release(self, *, message_id: int, owner: str) -> None:
        m = self.s.outbox[message_id]
        if m.lease_owner == owner:
            self.s.outbox[message_id] = replace(m, lease_owner=None, lease_expires_at=None)

    async def mark_sent(
        self, *, message_id: int, at: datetime, result: dict[str, Any] | None = None
    ) -> None:
        m = self.s.outbox[message_id]
        self.s.outbox[message_id] = replace(
            m,
            sent_at=at,
            attempts=m.attempts + 1,
            last_error=None,
            result=dict(result or {}),
            lease_owner=None,
            lease_expires_at=None,
        )

    async def mark_failed(
        self, *, message_id: int, owner: str, error: str, retry_at: datetime
    ) -> bool:
        m = self.s.outbox[message_id]
        if m.lease_owner != owner:
            return False
        self.s.outbox[message_id] = replace(
            m,
            attempts=m.attempts + 1,
            last_error=error,
            next_attempt_at=retry_at,
            lease_owner=None,
            lease_expires_at=None,
        )
        return True

    async def park(self, *, message_id: int, owner: str, error: str, at: datetime) -> bool:
        m = self.s.outbox[message_id]
        if m.lease_owner != owner:
            return False
        self.s.outbox[message_id] = replace(
            m,
            attempts=m.attempts + 1,
            last_error=error,
            parked_at=require_aware(at, "at"),
            lease_owner=None,
            lease_expires_at=None,
        )
        return True

    async def parked(self, *, limit: int = 100) -> list[OutboxMessage]:
        found = [m for m in self.s.outbox.values() if m.parked_at is not None]
        found.sort(key=lambda m: (m.parked_at or m.next_attempt_at, m.id))
        return found[:limit]

    async def count_parked(self) -> int:
        return sum(1 for m in self.s.outbox.values() if m.parked_at is not None)

    async def unpark(self, *, message_ids: Sequence[int] | None, at: datetime) -> int:
        chosen = [
            m
            for m in self.s.outbox.values()
            if m.parked_at is not None and (message_ids is None or m.id in message_ids)
        ]
        for m in chosen:
            self.s.outbox[m.id] = replace(
                m, parked_at=None, attempts=0, next_attempt_at=require_aware(at, "at")
            )
        return len(chosen)

    async def get(self, *, dedupe_key: str) -> OutboxMessage | None:
        return next((m for m in self.s.outbox.values() if m.dedupe_key == dedupe_key), None)

    async def update_result(self, *, message_id: int, result: dict[str, Any]) -> None:
        self.s.outbox[message_id] = replace(self.s.outbox[message_id], result=dict(result))


class _Inbox:
    def __init__(self, state: _State) -> None:
        self.s = state

    async def claim(self, *, key: str, at: datetime) -> bool:
        require_aware(at, "at")
        if not key:
            raise ValueError("an event key must not be empty")
        if key in self.s.inbox:
            return False
        self.s.inbox[key] = at
        return True

    async def release(self, *, key: str) -> None:
        self.s.inbox.pop(key, None)

    async def prune(self, *, before: datetime) -> int:
        require_aware(before, "before")
        old = [k for k, at in self.s.inbox.items() if at < before]
        for key in old:
            del self.s.inbox[key]
        return len(old)


class _Unit:
    """One transaction: works on a copy of the state, swapped in only on success."""

    customers: _Customers
    contacts: _Contacts
    tickets: _Tickets
    outbox: _Outbox
    inbox: _Inbox
    hypercare: _Hypercare
    windows: _Windows

    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def __aenter__(self) -> Self:
        # Copy after taking the lock, so the unit sees every earlier commit.
        await self._store.lock.acquire()
        self._state = copy.deepcopy(self._store.state)
        self.customers = _Customers(self._state)
        self.contacts = _Contacts(self._state)
        self.tickets = _Tickets(self._state, self._store.prefix)
        self.outbox = _Outbox(self._state)
        self.inbox = _Inbox(self._state)
        self.hypercare = _Hypercare(self._state)
        self.windows = _Windows(self._state)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if exc_type is None:
                self._store.state = self._state
                self._store.commits += 1
        finally:
            self._store.lock.release()


class InMemoryStore:
    """A Store whose units of work really commit or roll back (serialised, like SQLite)."""

    def __init__(self, prefix: str = "SUP") -> None:
        self.prefix = prefix
        self.state = _State()
        self.lock = asyncio.Lock()
        self.commits = 0

    def unit(self) -> _Unit:
        """A new unit of work."""
        return _Unit(self)

    @property
    def outbox(self) -> list[OutboxMessage]:
        """Every queued message, oldest first (for assertions)."""
        return sorted(self.state.outbox.values(), key=lambda m: m.id)

    @property
    def tickets(self) -> list[Ticket]:
        """Every stored ticket, by reference (for assertions)."""
        return sorted(self.state.tickets.values(), key=lambda t: t.id)


class FixedClock:
    """A clock that stands still until the test advances it."""

    def __init__(self, at: datetime) -> None:
        self.at = require_aware(at, "clock")

    def now(self) -> datetime:
        """The current fake instant."""
        return self.at

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        """Move time forward, e.g. `clock.advance(hours=2)`."""
        self.at += delta if delta is not None else timedelta(**kwargs)
        return self.at

    def set(self, at: datetime) -> None:
        """Jump to an instant."""
        self.at = require_aware(at, "clock")


@dataclass(frozen=True)
class Delivery:
    """One recorded post."""

    destination: Destination
    content: dict[str, Any]
    landed: ThreadRef
    key: str = ""  # the dedupe key the post carried


class RecordingNotifier:
    """A Notifier that records posts and edits; `fail` makes the next N of either raise.

    It announces in the customer's conversation on its platform; on the console's platform,
    like the console, under the customer's name when it has none.
    """

    def __init__(self, platform: str = CONSOLE) -> None:
        self.platform = platform
        self.deliveries: list[Delivery] = []
        self.edits: list[Delivery] = []  # `landed` is the edited message itself
        self.fail = 0
        self.undeliverable = 0  # the next N posts or edits raise UndeliverableError
        self.lookups: list[str] = []  # the keys `find` was asked about
        self._ts = itertools.count(1)

    def announces_in(self, customer: Customer) -> str | None:
        """The customer's conversation on this platform (the console: its name)."""
        binding = customer.binding(self.platform)
        if binding is not None and binding.conversation:
            return binding.conversation
        return customer.name if self.platform == CONSOLE else None

    @property
    def longest_send(self) -> timedelta:
        """Recording takes no time."""
        return timedelta(0)

    def _maybe_fail(self) -> None:
        if self.undeliverable > 0:
            self.undeliverable -= 1
            raise UndeliverableError("the chat says: channel_not_found")
        if self.fail > 0:
            self.fail -= 1
            raise ConnectionError("chat is down")

    async def deliver(
        self, *, destination: Destination, content: dict[str, Any], key: str
    ) -> ThreadRef:
        """Record the post, or raise while `undeliverable` or `fail` is positive."""
        self._maybe_fail()
        thread = destination.thread or f"{next(self._ts)}.000"
        landed = ThreadRef(self.platform, destination.conversation, thread)
        self.deliveries.append(Delivery(destination, content, landed, key))
        return landed

    async def find(self, *, destination: Destination, key: str) -> ThreadRef | None:
        """Where the post carrying `key` landed (if recorded), like a chat with history."""
        self.lookups.append(key)
        self._maybe_fail()
        return next((d.landed for d in self.deliveries if d.key == key), None)

    async def edit(self, *, destination: Destination, content: dict[str, Any]) -> None:
        """Record the edit, or raise while `undeliverable` or `fail` is positive."""
        self._maybe_fail()
        landed = ThreadRef(self.platform, destination.conversation, destination.thread or "")
        self.edits.append(Delivery(destination, content, landed))

    @property
    def texts(self) -> list[str]:
        """The text of every post, in order."""
        return [d.content.get("text", "") for d in self.deliveries]
