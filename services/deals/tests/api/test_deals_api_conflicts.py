"""Two people acting on the same record at once: one wins, the other gets a 409 and writes nothing."""
import sqlite3

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from deals.api import contracts as contract_views
from deals.commands.contracts import get_contract, sign_contract
from deals.models import ContractRow
from salesloop.web.auth import Principal

REP = Principal("rep-1", frozenset({"rep"}), "team-1", "east")


def test_two_concurrent_signatures_leave_one_signature_and_one_event(api):
    deal = api.open_deal()["id"]
    api.approved_contract(deal)
    config, runtime = api.harness.app.extensions["deals"], api.harness.runtime
    # The slower request read before the faster one wrote; on SQLite a writing unit
    # would have queued behind the lock instead, so the stale reader is read-only here.
    late, early = runtime.uow(writes=False), runtime.uow()
    try:
        seen = get_contract(late, REP, deal)  # the slower request has read the approved contract
        early_id = sign_contract(early, config, REP, deal, {"signatory": "王丽"}).id
        early.commit()
        # PostgreSQL: the row version no longer matches (StaleDataError). SQLite: the
        # late writer's snapshot is stale and it is refused the write lock.
        with pytest.raises((StaleDataError, OperationalError)):
            sign_contract(late, config, REP, deal, {"signatory": "李强"})
            late.flush()
        late.rollback()
        assert seen.id == early_id
    finally:
        late.close()
        early.close()
    assert len(api.events("deals.contract.signed")) == 1 and len(api.events("deals.deal.won")) == 1
    assert api.ok(api.harness.get(f"/deals/{deal}/contract", **api.REP))["signatory"] == "王丽"


def test_the_database_itself_keeps_one_contract_per_deal(api):
    """Two drafts racing past the "already has a contract" check still cannot both be saved."""
    deal = api.open_deal()["id"]
    api.accepted_proposal(deal)
    first = api.contract(deal)
    with api.harness.runtime.database.session() as session:
        session.add(ContractRow(**{**{c.name: getattr(session.get(ContractRow, first["id"]), c.name)
                                      for c in ContractRow.__table__.columns}, "id": "another-contract"}))
        with pytest.raises(IntegrityError, match="deal_id"):
            session.flush()
    assert api.count("contracts") == 1


@pytest.mark.parametrize("error, status, kind", [
    (StaleDataError("UPDATE statement on table 'contracts' expected to update 1 row(s); 0 were matched."),
     409, "concurrent-change"),
    (IntegrityError("INSERT", {}, sqlite3.IntegrityError("UNIQUE constraint failed: contracts.deal_id")), 409, "duplicate"),
    (IntegrityError("INSERT", {}, sqlite3.IntegrityError("NOT NULL constraint failed: contracts.team")), 500,
     "internal-error"),
])
def test_lost_races_are_409_problems_and_real_bugs_stay_500(api, monkeypatch, error, status, kind):
    deal = api.open_deal()["id"]

    def racing(*args, **kwargs):
        raise error

    monkeypatch.setattr(contract_views.commands, "sign_contract", racing)
    response = api.sign(deal)
    assert response.status_code == status and response.mimetype == "application/problem+json"
    assert response.json["type"].endswith(kind)
