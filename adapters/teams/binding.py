"""An agent binds a Teams channel to a customer explicitly: `bind <customer>` said there.

Most channels bind themselves: the first time the bot is added to or mentioned in a channel
of a customer's tenant (see bot.py). This is for the rest: a customer not bound to a tenant
yet, or a second team whose channel should be the support channel instead.
"""

from __future__ import annotations

import re

from adapters.teams import PLATFORM
from bot.app.callers import identify_in
from bot.app.desk import Desk
from bot.app.ports import DuplicateError
from bot.app.replies import Reply
from bot.domain.models import ChatBinding, Identity

__all__ = ["bind_channel", "bind_request"]

_BIND = re.compile(r"^/?bind\s+(?:to\s+)?(?P<name>\S.*)$", re.IGNORECASE | re.DOTALL)


def bind_request(text: str) -> str | None:
    """The customer name of a `bind <customer>` message, else None."""
    found = _BIND.match(" ".join(text.split()))
    return found.group("name").strip() if found is not None else None


async def bind_channel(
    desk: Desk, *, agent: Identity, name: str, tenant: str | None, channel: str
) -> Reply:
    """Make `channel` (in `tenant`) the Teams support channel of the customer called `name`;
    only the provider's agents may."""
    try:
        async with desk.store.unit() as uow:
            caller = await identify_in(uow, agent)
            if not caller.is_agent:
                return Reply("Only the service provider's agents can bind a support channel.")
            customer = await uow.customers.by_name(name=name)
            if customer is None or customer.is_provider:
                return Reply(f"There is no customer called {name}.")
            holder = await uow.customers.by_binding(platform=PLATFORM, conversation=channel)
            if holder is not None:
                if holder.id == customer.id:
                    return Reply(f"This is {customer.name}'s support channel already.")
                return Reply(f"This channel is {holder.name}'s support channel already.")
            current = customer.binding(PLATFORM)
            if current is not None and current.workspace and current.workspace != tenant:
                return Reply(
                    f"{customer.name} is bound to another Microsoft tenant: this channel "
                    "cannot be theirs."
                )
            others = [b for b in customer.bindings if b.platform != PLATFORM]
            await uow.customers.update(
                customer_id=customer.id,
                bindings=[*others, ChatBinding(PLATFORM, tenant, channel)],
            )
    except DuplicateError:
        return Reply("This tenant belongs to another customer: the channel was not bound.")
    return Reply(f"This channel is now {customer.name}'s support channel.")
