"""Customers and contacts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.app.ports import BindingTakenError, DuplicateError, NotFoundError
from bot.domain.models import ChatBinding, Contact, Customer, Identity, Role
from bot.domain.text import name_key
from storage.repos._rows import insert_unique
from storage.tables import ChatBindingRow, ContactRow, CustomerRow

__all__ = ["SqlContactRepository", "SqlCustomerRepository"]

_CUSTOMER_FIELDS = frozenset(Customer.__dataclass_fields__) - {"id"}


def _customer(row: CustomerRow, bindings: Iterable[ChatBindingRow]) -> Customer:
    assert row.id is not None
    return Customer(
        id=row.id,
        name=row.name,
        bindings=tuple(
            ChatBinding(b.platform, b.workspace, b.conversation)
            for b in sorted(bindings, key=lambda b: b.platform)
        ),
        policy_overrides=dict(row.policy_overrides or {}),
        is_provider=row.is_provider,
    )


def _contact(row: ContactRow) -> Contact:
    assert row.id is not None
    return Contact(
        id=row.id,
        customer_id=row.customer_id,
        identity=Identity(row.platform, row.user_id),
        role=Role(row.role),
        display_name=row.display_name,
    )


def _checked(bindings: Sequence[ChatBinding]) -> tuple[ChatBinding, ...]:
    """The bindings, refused if one names nothing or two share a platform."""
    platforms = [b.platform for b in bindings]
    if len(set(platforms)) != len(platforms):
        raise ValueError("a customer has at most one binding per platform")
    for b in bindings:
        if not b.platform or (b.workspace is None and b.conversation is None):
            raise ValueError(f"a binding needs a platform and a workspace or conversation: {b}")
    return tuple(bindings)


class SqlCustomerRepository:
    """Customers in SQL, with their chat bindings."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(
        self,
        *,
        name: str,
        bindings: Sequence[ChatBinding] = (),
        is_provider: bool = False,
    ) -> Customer:
        """Store a new customer; DuplicateError if the name, a binding or the provider is taken."""
        name = " ".join(name.split())
        if not name:
            raise ValueError("a customer needs a name")
        bindings = _checked(bindings)
        existing = await self.by_name(name=name)
        if existing is not None:
            raise DuplicateError(f"customer {existing.name!r} exists already")
        await self._check_provider(None, is_provider)
        await self._check_bindings(None, bindings)
        row = CustomerRow(
            name=name,
            name_key=name_key(name),
            is_provider=is_provider,
        )
        await insert_unique(self._s, row, f"customer {name!r} exists already")
        assert row.id is not None
        await self._bind(row.id, bindings)
        return await self._load(row)

    async def get(self, *, customer_id: int) -> Customer | None:
        """One customer by id."""
        row = await self._s.get(CustomerRow, customer_id)
        return await self._load(row) if row else None

    async def by_name(self, *, name: str) -> Customer | None:
        """One customer by name: any case or width, invisible characters ignored."""
        return await self._one(col(CustomerRow.name_key) == name_key(name))

    async def by_binding(
        self, *, platform: str, workspace: str | None = None, conversation: str | None = None
    ) -> Customer | None:
        """The customer a chat message from this workspace and conversation belongs to.

        With a conversation: the customer bound to that conversation on `platform`, provided
        its binding names no workspace or the same one (`workspace` None: any). Without one:
        the one customer bound to `workspace` on `platform`; None when several are.
        """
        where = [col(ChatBindingRow.platform) == platform]
        if conversation is not None:
            where.append(col(ChatBindingRow.conversation) == conversation)
            if workspace is not None:
                # A binding without a workspace matches any (single-workspace setups).
                where.append(
                    sa.or_(
                        col(ChatBindingRow.workspace) == workspace,
                        col(ChatBindingRow.workspace).is_(None),
                    )
                )
        elif workspace is not None:
            where.append(col(ChatBindingRow.workspace) == workspace)
        else:
            return None
        stmt = sa.select(col(ChatBindingRow.customer_id)).where(*where).distinct().limit(2)
        found = list(await self._s.scalars(stmt))
        return await self.get(customer_id=found[0]) if len(found) == 1 else None

    async def update(self, *, customer_id: int, **changes: Any) -> Customer:
        """Change fields of a customer (`bindings` replaces all of its bindings)."""
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
            row.name_key = name_key(changes["name"])
        await self._check_provider(customer_id, bool(changes.get("is_provider")))
        bindings = changes.pop("bindings", None)
        if bindings is not None:
            bindings = _checked(bindings)
            await self._check_bindings(customer_id, bindings)
            await self._s.execute(
                sa.delete(ChatBindingRow).where(col(ChatBindingRow.customer_id) == customer_id)
            )
            await self._bind(customer_id, bindings)
        for key, value in changes.items():
            setattr(row, key, dict(value) if key == "policy_overrides" else value)
        await self._s.flush()
        return await self._load(row)

    async def all(self) -> list[Customer]:
        """All customers by name."""
        rows = list(
            await self._s.scalars(sa.select(CustomerRow).order_by(col(CustomerRow.name_key)))
        )
        bindings: dict[int, list[ChatBindingRow]] = {}
        for b in await self._s.scalars(sa.select(ChatBindingRow)):
            bindings.setdefault(b.customer_id, []).append(b)
        return [_customer(r, bindings.get(r.id or 0, [])) for r in rows]

    async def remove(self, *, customer_id: int) -> None:
        """Delete a customer and its bindings (its contacts, hypercare and tickets must be
        gone first); NotFoundError if there is no such customer."""
        row = await self._s.get(CustomerRow, customer_id)
        if row is None:
            raise NotFoundError(f"no customer with id {customer_id}")
        await self._s.execute(
            sa.delete(ChatBindingRow).where(col(ChatBindingRow.customer_id) == customer_id)
        )
        await self._s.delete(row)
        await self._s.flush()

    async def provider(self) -> Customer | None:
        """The service provider's own organisation, if registered."""
        return await self._one(col(CustomerRow.is_provider).is_(True))

    async def _check_provider(self, customer_id: int | None, is_provider: bool) -> None:
        """DuplicateError naming the provider if another customer is it already."""
        if is_provider:
            provider = await self.provider()
            if provider is not None and provider.id != customer_id:
                raise DuplicateError(f"the service provider is {provider.name} already")

    async def _check_bindings(
        self, customer_id: int | None, bindings: Sequence[ChatBinding]
    ) -> None:
        """BindingTakenError if another customer holds one of these conversations, or a
        workspace that one side binds without a conversation (it would then be ambiguous)."""
        for b in bindings:
            others = sa.select(ChatBindingRow, col(CustomerRow.name)).join(
                CustomerRow, col(CustomerRow.id) == col(ChatBindingRow.customer_id)
            )
            others = others.where(col(ChatBindingRow.platform) == b.platform)
            if customer_id is not None:
                others = others.where(col(ChatBindingRow.customer_id) != customer_id)
            if b.conversation is not None:
                clash = (
                    await self._s.execute(
                        others.where(col(ChatBindingRow.conversation) == b.conversation)
                    )
                ).first()
                if clash is not None:
                    raise BindingTakenError(b, clash[1], whole_workspace=False)
            if b.workspace is not None:
                same = others.where(col(ChatBindingRow.workspace) == b.workspace)
                if b.conversation is not None:
                    same = same.where(col(ChatBindingRow.conversation).is_(None))
                clash = (await self._s.execute(same.order_by(col(CustomerRow.id)))).first()
                if clash is not None:
                    raise BindingTakenError(b, clash[1], whole_workspace=True)

    async def _bind(self, customer_id: int, bindings: Sequence[ChatBinding]) -> None:
        for b in bindings:
            await insert_unique(
                self._s,
                ChatBindingRow(
                    customer_id=customer_id,
                    platform=b.platform,
                    workspace=b.workspace,
                    conversation=b.conversation,
                ),
                f"{b.platform} binding {b} is taken already",
            )

    async def _load(self, row: CustomerRow) -> Customer:
        stmt = sa.select(ChatBindingRow).where(col(ChatBindingRow.customer_id) == row.id)
        return _customer(row, await self._s.scalars(stmt))

    async def _one(self, *where: Any) -> Customer | None:
        stmt = sa.select(CustomerRow).where(*where).order_by(col(CustomerRow.id)).limit(1)
        row = (await self._s.scalars(stmt)).first()
        return await self._load(row) if row else None


class SqlContactRepository:
    """Registered chat identities in SQL."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(
        self, *, customer_id: int, identity: Identity, role: Role, display_name: str = ""
    ) -> Contact:
        """Bind an identity to a customer and role; DuplicateError if it is bound already, or
        if another contact of the customer has this display name (or one that looks it)."""
        customer = await self._s.get(CustomerRow, customer_id)
        if customer is None:
            raise NotFoundError(f"no customer with id {customer_id}")
        if await self.find(identity=identity) is not None:
            raise DuplicateError(f"{identity} is registered already")
        key = name_key(display_name)
        if key:
            namesake = (
                await self._s.scalars(
                    sa.select(ContactRow).where(
                        col(ContactRow.customer_id) == customer_id,
                        col(ContactRow.name_key) == key,
                    )
                )
            ).first()
            if namesake is not None:
                raise DuplicateError(
                    f"{customer.name} has a contact named {namesake.display_name!r} already "
                    f"({namesake.platform}:{namesake.user_id}); give a name that tells them apart"
                )
        row = ContactRow(
            customer_id=customer_id,
            platform=identity.platform,
            user_id=identity.user_id,
            role=Role(role).value,
            display_name=display_name,
            name_key=key,
        )
        await insert_unique(
            self._s, row, f"{identity} or a contact named {display_name!r} is registered already"
        )
        return _contact(row)

    async def find(self, *, identity: Identity) -> Contact | None:
        """The contact of a chat identity, or None for an end user."""
        stmt = sa.select(ContactRow).where(
            col(ContactRow.platform) == identity.platform,
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

    async def all(self) -> list[Contact]:
        """All contacts."""
        stmt = sa.select(ContactRow).order_by(col(ContactRow.customer_id), col(ContactRow.id))
        return [_contact(r) for r in await self._s.scalars(stmt)]

    async def remove(self, *, identity: Identity) -> Contact | None:
        """Unbind a chat identity at once; the contact it was, or None if it was not bound."""
        stmt = sa.select(ContactRow).where(
            col(ContactRow.platform) == identity.platform,
            col(ContactRow.user_id) == identity.user_id,
        )
        row = (await self._s.scalars(stmt)).first()
        if row is None:
            return None
        contact = _contact(row)
        await self._s.delete(row)
        await self._s.flush()
        return contact
