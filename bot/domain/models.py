"""The desk's records as plain frozen dataclasses: what storage returns and use cases decide on."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from bot.domain.policy import Affected, PriorityKey

__all__ = [
    "ApprovalState",
    "ChatBinding",
    "Contact",
    "Countdown",
    "Customer",
    "CustomerChannel",
    "Destination",
    "DirectMessage",
    "Edit",
    "HypercarePeriod",
    "Identity",
    "NewTicket",
    "OutboxMessage",
    "Role",
    "ServiceWindow",
    "Target",
    "ThreadRef",
    "TicketThread",
    "Ticket",
    "TicketEvent",
    "TicketStatus",
    "TimeEntry",
    "WINDOW_CANCELLED",
    "WindowRevision",
    "require_aware",
]


def require_aware(value: datetime, what: str = "instant") -> datetime:
    """Return `value` if it carries a UTC offset; raise ValueError for naive datetimes."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got naive {value.isoformat()}")
    return value


class Role(StrEnum):
    """A registered contact's role; anyone unregistered is an end user."""

    CUSTOMER = "customer"
    APPROVER = "approver"
    AGENT = "agent"


class TicketStatus(StrEnum):
    """A ticket's life cycle."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    WAITING_ON_CUSTOMER = "waiting_on_customer"
    RESOLVED = "resolved"
    CLOSED = "closed"


class ApprovalState(StrEnum):
    """Consultancy approval: billable work waits for the customer's approver."""

    NOT_REQUIRED = "not_required"
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"


@dataclass(frozen=True, slots=True)
class Identity:
    """A chat user on one platform: a Slack user id, a Teams AAD object id, a console name.

    `platform` is an opaque name each chat adapter declares for itself ("slack", ...).
    """

    platform: str
    user_id: str

    def __str__(self) -> str:
        return f"{self.platform}:{self.user_id}"


@dataclass(frozen=True, slots=True)
class ThreadRef:
    """The chat thread a ticket lives in (Slack channel + ts, Teams conversation + activity)."""

    platform: str
    conversation: str
    thread: str


@dataclass(frozen=True, slots=True)
class ChatBinding:
    """A customer's presence on one chat platform.

    `workspace` is where the customer's users are (a Slack team, a Teams tenant) and
    `conversation` where its tickets are announced (a Slack channel, a Teams channel);
    either may be unknown. A conversation belongs to one customer, and so does a workspace
    bound without a conversation.
    """

    platform: str
    workspace: str | None = None
    conversation: str | None = None


@dataclass(frozen=True, slots=True)
class Customer:
    """A client organisation of the service provider (or, once, the provider itself)."""

    id: int
    name: str
    bindings: tuple[ChatBinding, ...] = ()  # at most one per platform
    policy_overrides: dict[str, Any] = field(default_factory=dict)
    is_provider: bool = False  # the service provider's own organisation: where agents belong

    def binding(self, platform: str) -> ChatBinding | None:
        """This customer's binding on `platform`, if it has one."""
        return next((b for b in self.bindings if b.platform == platform), None)


@dataclass(frozen=True, slots=True)
class Contact:
    """A chat identity bound to a customer (or to the provider, for agents) and a role."""

    id: int
    customer_id: int
    identity: Identity
    role: Role
    display_name: str = ""


@dataclass(frozen=True, slots=True)
class NewTicket:
    """What intake hands storage; storage assigns id and reference."""

    customer_id: int
    reporter: Identity
    summary: str
    description: str
    category: str
    affected: Affected | None
    data_loss: bool | None
    inquiry: bool
    priority: PriorityKey
    priority_reason: str
    opened_at: datetime
    first_response_due: datetime
    consultancy: bool
    approval: ApprovalState
    details: dict[str, str] = field(default_factory=dict)
    thread: ThreadRef | None = None
    # Idempotency key of the submission that filed it (e.g. a Slack view id): filing twice
    # with the same key returns the first ticket instead of creating a second one.
    source_key: str | None = None


@dataclass(frozen=True, slots=True)
class Ticket:
    """A stored ticket."""

    id: int
    ref: str
    customer_id: int
    reporter: Identity
    summary: str
    description: str
    category: str
    affected: Affected | None
    data_loss: bool | None
    inquiry: bool
    priority: PriorityKey
    priority_reason: str
    opened_at: datetime
    first_response_due: datetime
    status: TicketStatus
    consultancy: bool
    approval: ApprovalState
    first_responded_at: datetime | None = None
    approval_by: Identity | None = None
    approval_at: datetime | None = None
    details: dict[str, str] = field(default_factory=dict)
    thread: ThreadRef | None = None
    source_key: str | None = None

    @property
    def is_open(self) -> bool:
        """Whether the ticket still needs work."""
        return self.status not in (TicketStatus.RESOLVED, TicketStatus.CLOSED)


@dataclass(frozen=True, slots=True)
class Countdown:
    """Where a ticket's SLA countdown stands: the milestone keys posted so far, and when the
    ticket next needs looking at (None: its countdown is over)."""

    ticket: Ticket
    done: tuple[str, ...] = ()
    next_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class TicketEvent:
    """One line of a ticket's append-only audit trail."""

    ticket_id: int
    at: datetime
    actor: str
    action: str
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TimeEntry:
    """Time an agent spent on a (billable) consultancy ticket."""

    ticket_id: int
    agent: Identity
    minutes: int
    at: datetime
    note: str = ""


@dataclass(frozen=True, slots=True)
class Destination:
    """A concrete place to post, resolved from an outbox target by the outbox drain."""

    platform: str
    conversation: str  # Slack channel id, Teams conversation id, console channel name
    thread: str | None = None  # Slack thread ts / Teams reply-to id; None starts a new thread
    user: str | None = None  # set for a direct message to one user


@dataclass(frozen=True, slots=True)
class CustomerChannel:
    """Outbox target: announce ticket `ref` in its customer's support conversation."""

    platform: str
    customer_id: int
    ref: str


@dataclass(frozen=True, slots=True)
class TicketThread:
    """Outbox target: post in the thread ticket `ref` lives in."""

    platform: str
    customer_id: int
    ref: str


@dataclass(frozen=True, slots=True)
class DirectMessage:
    """Outbox target: a direct message to one chat user (about ticket `ref`, if any)."""

    platform: str
    user: str
    ref: str | None = None


@dataclass(frozen=True, slots=True)
class Edit:
    """Outbox target: redraw the message queued under dedupe key `of`.

    `seq` orders the edits of one message: only the highest is ever shown.
    """

    platform: str
    of: str
    seq: int
    ref: str | None = None


Target = CustomerChannel | TicketThread | DirectMessage | Edit


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """A message waiting to be posted; `content` is a channel-neutral Reply as JSON.

    While one bot instance sends it, it is leased to that instance (`lease_owner`) until
    `lease_expires_at`; a message that cannot be delivered as addressed is `parked_at`.
    `claims` counts the times it was claimed for sending (the current claim included).
    """

    id: int
    target: Target
    content: dict[str, Any]
    dedupe_key: str
    attempts: int
    next_attempt_at: datetime
    sent_at: datetime | None = None
    last_error: str | None = None
    result: dict[str, Any] = field(default_factory=dict)
    lease_owner: str | None = None
    lease_expires_at: datetime | None = None
    parked_at: datetime | None = None
    claims: int = 0
    created_at: datetime | None = None  # when it was queued (None: not known)

    @property
    def in_doubt(self) -> bool:
        """Claimed before without being sent: an earlier attempt may have posted it (its
        sender died or hung past its lease, or the chat failed in a way that may have
        taken the post), so the chat is asked before it is posted again."""
        return self.sent_at is None and self.claims > 1


@dataclass(frozen=True, slots=True)
class ServiceWindow:
    """An extraordinary service window; `service` None means all services.

    A change keeps the id and counts up `revision`; `revised_at` is when the latest revision
    (the announcement, a change, the cancellation) was recorded (None: before notices existed).
    """

    id: int
    service: str | None
    start: datetime
    end: datetime
    reason: str
    state: str = "planned"
    revision: int = 1
    revised_at: datetime | None = None

    @property
    def cancelled(self) -> bool:
        """Cancelled windows are kept on record but no longer happen."""
        return self.state == WINDOW_CANCELLED


WINDOW_CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class WindowRevision:
    """One recorded version of a service window: what it was after `action` by `actor`."""

    window_id: int
    revision: int
    at: datetime
    actor: str
    action: str  # "added", "changed" or "cancelled"
    start: datetime
    end: datetime
    service: str | None
    reason: str
    note: str | None = None  # e.g. why it was cancelled


@dataclass(frozen=True, slots=True)
class HypercarePeriod:
    """A customer's hypercare after go-live; extensions and sign-offs are JSON records."""

    id: int
    customer_id: int
    start: date
    weeks: int
    extensions: tuple[dict[str, Any], ...] = ()
    sign_offs: tuple[dict[str, Any], ...] = ()
    transitioned_at: datetime | None = None
