"""Our copy of the leads service's customers (leads.customer.upserted)."""
from __future__ import annotations

from sqlalchemy import update

from deals.commands.common import utcnow
from deals.models import CustomerRow, DealRow

COPIED = ("name", "company", "category", "abc_class", "industry", "region", "team", "owner_rep_id")


def upsert_customer(uow, data: dict) -> CustomerRow | None:
    """Apply the newest version only: an older upsert arriving late changes nothing."""
    updated_at = data.get("updated_at") or utcnow()
    row = uow.session.get(CustomerRow, data["customer_id"])
    if row is not None and row.updated_at > updated_at:
        return None
    if row is None:
        row = CustomerRow(id=data["customer_id"])
        uow.add(row)
    for name in COPIED:
        setattr(row, name, data.get(name))
    contact = data.get("contact") or {}
    row.contact_name, row.contact_phone, row.contact_email = contact.get("name"), contact.get("phone"), contact.get("email")
    row.updated_at = updated_at
    # Deals opened before we heard of the customer (or before a rename) show the current name.
    uow.session.execute(update(DealRow).where(DealRow.customer_id == row.id, DealRow.customer_name != row.name)
                        .values(customer_name=row.name), execution_options={"synchronize_session": False})
    uow.flush()
    return row
