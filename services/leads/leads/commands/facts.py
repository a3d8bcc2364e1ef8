"""The domain's view of a stored lead."""
from __future__ import annotations

from decimal import Decimal

from leads.domain.lead import LeadFacts
from leads.domain.money import Money
from leads.models import Lead


def facts_of(lead: Lead, budget_rate=None) -> LeadFacts:
    budget = None
    if lead.budget_amount is not None and lead.budget_currency:
        budget = Money(plain(lead.budget_amount), lead.budget_currency)
    return LeadFacts(lead_id=lead.id, source=lead.source, captured_at=lead.captured_at,
                     product_lines=lead.product_lines or (), region=lead.region, industry=lead.industry,
                     budget=budget, budget_rate=None if budget_rate is None else plain(budget_rate), expected_purchase_by=lead.expected_purchase_by,
                     company_size=lead.company_size, needs=lead.needs or "")


def plain(amount: Decimal) -> Decimal:
    """Without the column's trailing zeros: 150000.0000 → 150000, 7.2000000000 → 7.2.

    Grading explains itself in text; the same lead must read the same whether
    it was just typed or loaded back from a Numeric(18, 4) column.
    """
    amount = Decimal(amount)
    if amount == amount.to_integral_value():
        return amount.quantize(Decimal(1))
    return amount.normalize()
