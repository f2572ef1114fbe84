"""Small typed ports between the use cases and the outside world (storage, chat, time)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from types import TracebackType
from typing import Any, Protocol, Self

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
)

__all__ = [
    "AlreadyFiledError",
    "BindingTakenError",
    "Clock",
    "ContactRepository",
    "CustomerRepository",
    "DuplicateError",
    "ForeignSubmissionError",
    "HypercareRepository",
    "InboxRepository",
    "Notifier",
    "NotFoundError",
    "OutboxRepository",
    "Store",
    "TicketRepository",
    "UnitOfWork",
    "WindowRepository",
]


class NotFoundError(LookupError):
    """A referenced record does not exist."""


class DuplicateError(ValueError):
    """A record with the same unique key exists already (e.g. an identity bound twice)."""


class AlreadyFiledError(DuplicateError):
    """This submission (its source key) filed `ticket` before, for the same customer and
    reporter: a repeated submission, to be answered with that ticket."""

    def __init__(self, ticket: Ticket) -> None:
        super().__init__(f"submission {ticket.source_key!r} filed {ticket.ref} already")
        self.ticket = ticket


class ForeignSubmissionError(DuplicateError):
    """A submission whose source key belongs to another customer's or reporter's submission:
    forged or misrouted, and refused (its ticket is not theirs to see)."""


class BindingTakenError(DuplicateError):
    """A chat binding clashes with another customer's: `holder` has it already."""

    def __init__(self, binding: ChatBinding, holder: str, *, whole_workspace: bool) -> None:
        self.binding = binding
        self.holder = holder
        # True: the clash is over the workspace (one of the two binds it without a
        # conversation); False: over the conversation.
        self.whole_workspace = whole_workspace
        where = (
            f"workspace {binding.workspace}"
            if whole_workspace
            else f"conversation {binding.conversation}"
        )
        super().__init__(f"{binding.platform} {where} is bound to {holder} already")


class Clock(Protocol):
    """Where use cases and jobs get `now` from: always timezone-aware."""

    def now(self) -> datetime:
        """The current instant, timezone-aware."""
        ...


class CustomerRepository(Protocol):
    """Customers: the vendor's client organisations."""

    async def add(
        self,
        *,
        name: str,
        bindings: Sequence[ChatBinding] = (),
        is_provider: bool = False,
    ) -> Customer:
        """Store a new customer; DuplicateError if the name, a binding or the provider is taken."""
        ...

    async def get(self, *, customer_id: int) -> Customer | None:
        """One customer by id."""
        ...

    async def by_name(self, *, name: str) -> Customer | None:
        """One customer by exact name (case-insensitive)."""
        ...

    async def by_binding(
        self, *, platform: str, workspace: str | None = None, conversation: str | None = None
    ) -> Customer | None:
        """The customer a chat message from this workspace and conversation belongs to.

        With a conversation: the customer bound to that conversation on `platform`, provided
        its binding names no workspace or the same one (`workspace` None: any). Without one:
        the one customer bound to `workspace` on `platform`; None when several are.
        """
        ...

    async def update(self, *, customer_id: int, **changes: Any) -> Customer:
        """Change fields of a customer (`bindings` replaces all of its bindings)."""
        ...

    async def all(self) -> list[Customer]:
        """All customers by name."""
        ...

    async def remove(self, *, customer_id: int) -> None:
        """Delete a customer and its bindings (its contacts, hypercare and tickets must be
        gone first); NotFoundError if there is no such customer."""
        ...


class ContactRepository(Protocol):
    """Registered chat identities and their roles."""

    async def add(
        self, *, customer_id: int, identity: Identity, role: Role, display_name: str = ""
    ) -> Contact:
        """Bind an identity to a customer and role; DuplicateError if it is bound already."""
        ...

    async def find(self, *, identity: Identity) -> Contact | None:
        """The contact of a chat identity, or None for an end user."""
        ...

    async def for_customer(
        self, *, customer_id: int, roles: Sequence[Role] | None = None
    ) -> list[Contact]:
        """A customer's contacts, optionally only those with the given roles."""
        ...

    async def all(self) -> list[Contact]:
        """All contacts."""
        ...

    async def remove(self, *, identity: Identity) -> Contact | None:
        """Unbind a chat identity at once; the contact it was, or None if it was not bound."""
        ...


class HypercareRepository(Protocol):
    """Customers' hypercare periods: the one record of go-live, weeks, extensions, sign-offs."""

    async def add(self, *, customer_id: int, start: date, weeks: int) -> HypercarePeriod:
        """Start a customer's hypercare period on its go-live date."""
        ...

    async def current(self, *, customer_id: int) -> HypercarePeriod | None:
        """A customer's hypercare period (the latest, if it had several), or None."""
        ...

    async def all_current(self) -> list[HypercarePeriod]:
        """Every customer's current period, in no particular order."""
        ...

    async def update(self, *, period_id: int, **changes: Any) -> HypercarePeriod:
        """Change the start, weeks, extensions, sign-offs or transition (whole new values)."""
        ...

    async def remove(self, *, customer_id: int) -> int:
        """Forget a customer's hypercare periods; how many there were."""
        ...


class TicketRepository(Protocol):
    """Tickets and their audit trail. Every change writes an event in the same transaction."""

    async def create(self, *, ticket: NewTicket, actor: str) -> Ticket:
        """Store a ticket with a fresh unique reference and a 'created' event.

        A source key belongs to the customer and reporter whose submission first used it: if
        `ticket.source_key` was used before, raise AlreadyFiledError (theirs) or
        ForeignSubmissionError (someone else's), and write nothing.
        """
        ...

    async def by_thread(self, *, thread: ThreadRef) -> Ticket | None:
        """The ticket living in a chat thread, or None."""
        ...

    async def get(self, *, ref: str, lock: bool = False) -> Ticket | None:
        """One ticket by reference (case-insensitive), or None.

        `lock=True` before deciding on a change: concurrent units that lock the same ticket
        then run one after the other (SELECT ... FOR UPDATE), so two clicks cannot both act.
        """
        ...

    async def update(
        self, *, ref: str, actor: str, action: str, at: datetime, **changes: Any
    ) -> Ticket:
        """Apply field changes and append an event with before and after values."""
        ...

    async def query(
        self,
        *,
        customer_id: int | None = None,
        statuses: Sequence[TicketStatus] | None = None,
        reporter: Identity | None = None,
        limit: int | None = None,
    ) -> list[Ticket]:
        """Tickets, newest first, filtered."""
        ...

    async def events(self, *, ref: str) -> list[TicketEvent]:
        """A ticket's audit trail, oldest first."""
        ...

    async def log_time(
        self, *, ref: str, agent: Identity, minutes: int, at: datetime, note: str = ""
    ) -> TimeEntry:
        """Record time an agent spent on a ticket (audited)."""
        ...

    async def time_entries(self, *, ref: str | None = None) -> list[TimeEntry]:
        """Logged time, for one ticket or all."""
        ...

    async def countdowns_due(self, *, now: datetime, limit: int) -> list[Countdown]:
        """Tickets whose SLA countdown needs a look by `now`, earliest first, at most `limit`.

        Each is locked until commit; on PostgreSQL tickets another unit holds are skipped
        (SKIP LOCKED), so concurrent ticks share the work instead of repeating it. Filing a
        ticket and changing its priority, status, opening, due or first response make it due
        at once (or end its countdown), so the tick always works from the current ticket.
        """
        ...

    async def record_countdowns(
        self, *, countdowns: Sequence[Countdown], at: datetime, posted: Mapping[str, str]
    ) -> None:
        """Store each ticket's countdown (`next_at`, `done`) as given; audit the milestones
        `posted` (ticket reference -> milestone key) as `sla.countdown` events."""
        ...

    async def next_edit_seq(self, *, ref: str) -> int:
        """A new number for a redraw of the ticket's messages, above every earlier one."""
        ...


class OutboxRepository(Protocol):
    """Messages to post, written in the same transaction as the change that causes them."""

    async def enqueue(
        self, *, target: Target, content: dict[str, Any], dedupe_key: str, at: datetime
    ) -> bool:
        """Queue a message; False (and nothing written) if the dedupe key was queued before."""
        ...

    async def due(
        self, *, now: datetime, limit: int = 50, platforms: Sequence[str] | None = None
    ) -> list[OutboxMessage]:
        """Unsent, unparked, unleased messages whose next attempt is due, oldest first, for
        `platforms` (None: all)."""
        ...

    async def claim(
        self, *, message_id: int, owner: str, now: datetime, until: datetime
    ) -> OutboxMessage | None:
        """Lease a due message to `owner` until `until` and count the claim, atomically: None
        if it was sent, parked or leased (and the lease not expired at `now`) meanwhile."""
        ...

    async def release(self, *, message_id: int, owner: str) -> None:
        """Give up `owner`'s lease without an outcome (it is due again at once)."""
        ...

    async def mark_sent(
        self, *, message_id: int, at: datetime, result: dict[str, Any] | None = None
    ) -> None:
        """Record a successful post (with e.g. the Slack ts); any lease ends."""
        ...

    async def mark_failed(
        self, *, message_id: int, owner: str, error: str, retry_at: datetime
    ) -> bool:
        """Record a failed attempt and when to try again; False (nothing written) unless
        `owner` still holds the lease."""
        ...

    async def park(self, *, message_id: int, owner: str, error: str, at: datetime) -> bool:
        """Record a failed attempt and set the message aside for an operator; False (nothing
        written) unless `owner` still holds the lease."""
        ...

    async def parked(self, *, limit: int = 100) -> list[OutboxMessage]:
        """Parked messages, oldest first."""
        ...

    async def count_parked(self) -> int:
        """How many messages are parked."""
        ...

    async def unpark(self, *, message_ids: Sequence[int] | None, at: datetime) -> int:
        """Put parked messages (None: all) back in line, due at `at` with a fresh count of
        attempts; how many were parked."""
        ...

    async def get(self, *, dedupe_key: str) -> OutboxMessage | None:
        """The message queued under a dedupe key (sent or not), or None."""
        ...

    async def update_result(self, *, message_id: int, result: dict[str, Any]) -> None:
        """Replace what is recorded about a sent message (e.g. which edit it shows now)."""
        ...


class WindowRepository(Protocol):
    """Extraordinary service windows; every change is a new revision of the same window."""

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
        """Store a window (`service` None: all services); with `at`, announced then by `actor`
        (revision 1 recorded)."""
        ...

    async def get(self, *, window_id: int, lock: bool = False) -> ServiceWindow | None:
        """One window by id; `lock=True` before deciding on a change."""
        ...

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
        """Apply changes (service, start, end, reason, state) as the next revision, recorded."""
        ...

    async def revisions(self, *, window_id: int) -> list[WindowRevision]:
        """A window's revisions, oldest first."""
        ...

    async def on_the_clock(
        self, *, now: datetime, lead: timedelta, after_end: timedelta
    ) -> list[ServiceWindow]:
        """Windows not cancelled starting within `lead` of `now`, ended at most `after_end`
        before it, earliest first."""
        ...

    async def list(
        self,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        states: Sequence[str] | None = None,
    ) -> list[ServiceWindow]:
        """Windows overlapping [start, end) (None: unbounded), optionally in `states`."""
        ...


class InboxRepository(Protocol):
    """Incoming chat events already taken on, so a redelivered one is handled only once."""

    async def claim(self, *, key: str, at: datetime) -> bool:
        """Take on the event `key` (e.g. "slack:T123:Ev456"); False if it was taken before."""
        ...

    async def release(self, *, key: str) -> None:
        """Give the event back (handling it failed), so a redelivery is handled."""
        ...

    async def prune(self, *, before: datetime) -> int:
        """Forget events taken on before `before`; how many were forgotten."""
        ...


class UnitOfWork(Protocol):
    """One transaction over all repositories: commits on success, rolls back on error."""

    # Read-only members, so an implementation may type them as its concrete repositories.
    @property
    def customers(self) -> CustomerRepository: ...

    @property
    def contacts(self) -> ContactRepository: ...

    @property
    def tickets(self) -> TicketRepository: ...

    @property
    def outbox(self) -> OutboxRepository: ...

    @property
    def inbox(self) -> InboxRepository: ...

    @property
    def hypercare(self) -> HypercareRepository: ...

    @property
    def windows(self) -> WindowRepository: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class Store(Protocol):
    """Opens units of work."""

    def unit(self) -> UnitOfWork:
        """A new unit of work, to be used as `async with store.unit() as uow:`."""
        ...


class Notifier(Protocol):
    """Posts to one chat; raises on failure so the outbox retries later (UndeliverableError
    from bot.app.outbox when retrying cannot help: the message is then parked in the end)."""

    @property
    def longest_send(self) -> timedelta:
        """The most one `deliver` or `edit` can take, retries included: the outbox leases a
        message for longer, so no other instance sends it meanwhile."""
        ...

    def announces_in(self, customer: Customer) -> str | None:
        """The conversation where this chat announces `customer`'s tickets (None: nowhere)."""
        ...

    async def deliver(
        self, *, destination: Destination, content: dict[str, Any], key: str
    ) -> ThreadRef:
        """Post `content` (a Reply as JSON) and return where it landed (e.g. Slack channel +
        ts). The post carries `key`, the outbox message's dedupe key, where the chat keeps it
        (Slack: message metadata), so that `find` can recognise it later."""
        ...

    async def find(self, *, destination: Destination, key: str) -> ThreadRef | None:
        """Where a post carrying `key` landed at `destination` (as `deliver` would have
        returned it), or None: not there, or this chat cannot look. The outbox asks before
        sending again a message whose earlier attempt may have posted it."""
        ...

    async def edit(self, *, destination: Destination, content: dict[str, Any]) -> None:
        """Redraw the message posted at `destination` (conversation + its ts) as `content`."""
        ...
