"""Customers and contacts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.app.ports import DuplicateError, NotFoundError
from bot.domain.models import Channel, Contact, Customer, Identity, Role
from storage.repos._rows import insert_unique
from storage.tables import ContactRow, CustomerRow

__all__ = ["SqlContactRepository", "SqlCustomerRepository"]

_CUSTOMER_FIELDS = frozenset(Customer.__dataclass_fields__) - {"id"}


def _customer(row: CustomerRow) -> Customer:
    assert row.id is not None
    return Customer(
        id=row.id,
        name=row.name,
        slack_team=row.slack_team,
        slack_channel=row.slack_channel,
        teams_tenant=row.teams_tenant,
        teams_channel=row.teams_channel,
        teams_conversation=row.teams_conversation,
        go_live=row.go_live,
        hypercare_weeks=row.hypercare_weeks,
        policy_overrides=dict(row.policy_overrides or {}),
        is_provider=row.is_provider,
    )


def _contact(row: ContactRow) -> Contact:
    assert row.id is not None
    return Contact(
        id=row.id,
        customer_id=row.customer_id,
        identity=Identity(Channel(row.channel), row.user_id),
        role=Role(row.role),
        display_name=row.display_name,
    )


def _name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


# The chat bindings one customer at most may hold, and how a clash is told.
_BINDINGS = {
    "slack_channel": "channel {} is already the support channel of {}",
    "teams_tenant": "Teams tenant {} already belongs to {}",
    "teams_channel": "Teams channel {} is already the support channel of {}",
}


class SqlCustomerRepository:
    """Customers in SQL."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(
        self,
        *,
        name: str,
        slack_team: str | None = None,
        slack_channel: str | None = None,
        teams_tenant: str | None = None,
        teams_channel: str | None = None,
        go_live: date | None = None,
        hypercare_weeks: int | None = None,
        is_provider: bool = False,
    ) -> Customer:
        """Store a new customer; DuplicateError if the name, a channel or the provider is taken."""
        name = " ".join(name.split())
        if not name:
            raise ValueError("a customer needs a name")
        existing = await self.by_name(name=name)
        if existing is not None:
            raise DuplicateError(f"customer {existing.name!r} exists already")
        await self._check_bindings(
            None,
            {
                "slack_channel": slack_channel,
                "teams_tenant": teams_tenant,
                "teams_channel": teams_channel,
                "is_provider": is_provider,
            },
        )
        row = CustomerRow(
            name=name,
            name_key=_name_key(name),
            slack_team=slack_team,
            slack_channel=slack_channel,
            teams_tenant=teams_tenant,
            teams_channel=teams_channel,
            go_live=go_live,
            hypercare_weeks=hypercare_weeks,
            is_provider=is_provider,
        )
        await insert_unique(
            self._s, row, f"customer {name!r}, or one of its channels, exists already"
        )
        return _customer(row)

    async def get(self, *, customer_id: int) -> Customer | None:
        """One customer by id."""
        row = await self._s.get(CustomerRow, customer_id)
        return _customer(row) if row else None

    async def by_name(self, *, name: str) -> Customer | None:
        """One customer by exact name (case-insensitive)."""
        return await self._one(col(CustomerRow.name_key) == _name_key(name))

    async def by_slack_channel(self, *, team: str | None, channel: str) -> Customer | None:
        """The customer whose support channel this is."""
        where = [col(CustomerRow.slack_channel) == channel]
        if team is not None:
            # A customer registered without a team matches any team (single-workspace setups).
            where.append(
                sa.or_(col(CustomerRow.slack_team) == team, col(CustomerRow.slack_team).is_(None))
            )
        return await self._one(*where)

    async def by_teams_tenant(self, *, tenant: str) -> Customer | None:
        """The customer of a Teams tenant."""
        return await self._one(col(CustomerRow.teams_tenant) == tenant)

    async def update(self, *, customer_id: int, **changes: Any) -> Customer:
        """Change fields of a customer (e.g. the stored Teams conversation reference)."""
        unknown = set(changes) - _CUSTOMER_FIELDS
        if unknown:
            raise ValueError(f"unknown customer fields: {', '.join(sorted(unknown))}")
        row = await self._s.get(CustomerRow, customer_id)
        if row is None:
            raise NotFoundError(f"no customer with id {customer_id}")
        if "name" in changes:
            other = await self.by_name(name=changes["name"])
            if other is not None and other.id != customer_id:
                raise DuplicateError(f"customer {changes['name']!r} exists already")
            changes["name"] = " ".join(str(changes["name"]).split())
            row.name_key = _name_key(changes["name"])
        await self._check_bindings(customer_id, changes)
        for key, value in changes.items():
            setattr(row, key, dict(value) if key == "policy_overrides" else value)
        await self._s.flush()
        return _customer(row)

    async def all(self) -> list[Customer]:
        """All customers by name."""
        rows = await self._s.scalars(sa.select(CustomerRow).order_by(col(CustomerRow.name_key)))
        return [_customer(r) for r in rows]

    async def provider(self) -> Customer | None:
        """The service provider's own organisation, if registered."""
        return await self._one(col(CustomerRow.is_provider).is_(True))

    async def _check_bindings(self, customer_id: int | None, values: dict[str, Any]) -> None:
        """DuplicateError naming who holds one of these channels, tenants or the provider role."""
        if values.get("is_provider"):
            provider = await self.provider()
            if provider is not None and provider.id != customer_id:
                raise DuplicateError(f"the service provider is {provider.name} already")
        for field, message in _BINDINGS.items():
            value = values.get(field)
            if value is None:
                continue
            holder = await self._one(getattr(CustomerRow, field) == value)
            if holder is not None and holder.id != customer_id:
                raise DuplicateError(message.format(value, holder.name))

    async def _one(self, *where: Any) -> Customer | None:
        stmt = sa.select(CustomerRow).where(*where).order_by(col(CustomerRow.id)).limit(1)
        row = (await self._s.scalars(stmt)).first()
        return _customer(row) if row else None


class SqlContactRepository:
    """Registered chat identities in SQL."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(
        self, *, customer_id: int, identity: Identity, role: Role, display_name: str = ""
    ) -> Contact:
        """Bind an identity to a customer and role; DuplicateError if it is bound already."""
        if await self._s.get(CustomerRow, customer_id) is None:
            raise NotFoundError(f"no customer with id {customer_id}")
        if await self.find(identity=identity) is not None:
            raise DuplicateError(f"{identity} is registered already")
        row = ContactRow(
            customer_id=customer_id,
            channel=identity.channel.value,
            user_id=identity.user_id,
            role=Role(role).value,
            display_name=display_name,
        )
        await insert_unique(self._s, row, f"{identity} is registered already")
        return _contact(row)

    async def find(self, *, identity: Identity) -> Contact | None:
        """The contact of a chat identity, or None for an end user."""
        stmt = sa.select(ContactRow).where(
            col(ContactRow.channel) == identity.channel.value,
            col(ContactRow.user_id) == identity.user_id,
        )
        row = (await self._s.scalars(stmt)).first()
        return _contact(row) if row else None

    async def for_customer(
        self, *, customer_id: int, roles: Sequence[Role] | None = None
    ) -> list[Contact]:
        """A customer's contacts, optionally only those with the given roles."""
        stmt = sa.select(ContactRow).where(col(ContactRow.customer_id) == customer_id)
        if roles is not None:
            stmt = stmt.where(col(ContactRow.role).in_([Role(r).value for r in roles]))
        return [_contact(r) for r in await self._s.scalars(stmt.order_by(col(ContactRow.id)))]

    async def agents(self, *, channel: Channel | None = None) -> list[Contact]:
        """The service provider's agents."""
        stmt = sa.select(ContactRow).where(col(ContactRow.role) == Role.AGENT.value)
        if channel is not None:
            stmt = stmt.where(col(ContactRow.channel) == Channel(channel).value)
        return [_contact(r) for r in await self._s.scalars(stmt.order_by(col(ContactRow.id)))]

    async def all(self) -> list[Contact]:
        """All contacts."""
        stmt = sa.select(ContactRow).order_by(col(ContactRow.customer_id), col(ContactRow.id))
        return [_contact(r) for r in await self._s.scalars(stmt)]
