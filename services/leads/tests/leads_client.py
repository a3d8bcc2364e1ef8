"""Shortcuts over the shared harness for the Leads tests: reps, captures and what was written."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select


@dataclass
class LeadsClient:
    """Shortcuts over the harness: reps, leads and the records behind them."""

    harness: object

    def __getattr__(self, name):
        return getattr(self.harness, name)

    def rep(self, rep_id: str, *, team="team-1", region="east", capacity=10, active=True, product_lines=(),
            regions=(), industries=()):
        body = {"id": rep_id, "name": rep_id.title(), "team": team, "region": region, "capacity": capacity,
                "active": active, "skills": {"product_lines": list(product_lines), "regions": list(regions),
                                             "industries": list(industries)}}
        response = self.harness.post("/reps", json=body, role="admin")
        assert response.status_code == 201, response.json
        return response.json

    def capture(self, expect: int = 201, *, as_role="supervisor", as_user="sup-1", **fields):
        """POST /leads with lead_body(**fields), by default as supervisor sup-1 of team-1 in east."""
        body = lead_body(**fields)
        response = self.harness.post("/leads", json=body, role=as_role, user=as_user, team="team-1",
                                     region="east")
        assert response.status_code == expect, response.json
        return response.json

    def count(self, table: str, **where) -> int:
        model = self.harness.spec.metadata.tables[table]
        query = select(func.count()).select_from(model)
        for column, value in where.items():
            query = query.where(model.c[column] == value)
        with self.harness.runtime.database.session() as session:
            return session.execute(query).scalar()

    def events(self, event_type: str) -> list[dict]:
        return [envelope["data"] for envelope in self.harness.published(event_type)]

    def last_event(self, event_type: str) -> dict:
        return self.events(event_type)[-1]


def lead_body(**fields) -> dict:
    body = {"company": "深圳市腾飞科技有限公司", "industry": "manufacturing", "region": "east",
            "contact": {"name": "王伟", "phone": "+86 138-0013-8000", "email": "Wang.Wei@TengFei.cn"},
            "needs": "50 seats", "product_lines": ["crm"], "source": "web_form"}
    body.update(fields)
    return {key: value for key, value in body.items() if value is not ...}
