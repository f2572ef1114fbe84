"""Who is talking: a registered contact with a role, or an end user of some organisation."""

from __future__ import annotations

from dataclasses import dataclass

from bot.app.ports import UnitOfWork
from bot.domain.models import ChatBinding, Contact, Customer, Identity, Role, Ticket

__all__ = ["Caller", "Origin", "identify_in"]

_FILERS = (Role.CUSTOMER, Role.APPROVER)


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a message came from, to tell an unregistered user's organisation.

    Adapters fill in what they know: the workspace and conversation the message came from
    (a Slack team and channel, a Teams tenant), or a customer id they resolved themselves
    (the console's demo customer).
    """

    customer_id: int | None = None
    binding: ChatBinding | None = None


@dataclass(frozen=True, slots=True)
class Caller:
    """A chat identity with its role (None for an end user), contact and organisation.

    Agents belong to the service provider, so their `customer` is None; an end user's
    `customer` is the organisation guessed from the origin, if any.
    """

    identity: Identity
    role: Role | None
    contact: Contact | None
    customer: Customer | None

    @property
    def name(self) -> str:
        """How to address or mention this caller in text."""
        if self.contact is not None and self.contact.display_name:
            return self.contact.display_name
        return self.identity.user_id

    @property
    def is_agent(self) -> bool:
        """The service provider's 2nd-level staff."""
        return self.role is Role.AGENT

    @property
    def is_approver(self) -> bool:
        """May approve consultancy for their organisation."""
        return self.role is Role.APPROVER

    @property
    def can_file(self) -> bool:
        """Registered customer contacts (customer or approver) file tickets."""
        return self.role in _FILERS

    def can_see(self, ticket: Ticket) -> bool:
        """Agents see every ticket; customer contacts only their own organisation's."""
        if self.is_agent:
            return True
        return (
            self.can_file and self.customer is not None and ticket.customer_id == self.customer.id
        )


async def identify_in(uow: UnitOfWork, identity: Identity, origin: Origin | None = None) -> Caller:
    """Identify a caller inside an open unit of work."""
    contact = await uow.contacts.find(identity=identity)
    if contact is not None:
        if contact.role is Role.AGENT:
            return Caller(identity, Role.AGENT, contact, None)
        customer = await uow.customers.get(customer_id=contact.customer_id)
        return Caller(identity, contact.role, contact, customer)
    return Caller(identity, None, None, await _customer_of_origin(uow, origin))


async def _customer_of_origin(uow: UnitOfWork, origin: Origin | None) -> Customer | None:
    if origin is None:
        return None
    if origin.customer_id is not None:
        found = await uow.customers.get(customer_id=origin.customer_id)
        if found is not None:
            return found
    binding = origin.binding
    if binding is None or (binding.workspace is None and binding.conversation is None):
        return None
    return await uow.customers.by_binding(
        platform=binding.platform, workspace=binding.workspace, conversation=binding.conversation
    )
