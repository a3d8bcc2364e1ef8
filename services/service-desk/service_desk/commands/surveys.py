"""Satisfaction surveys: one per delivered order and per resolved complaint, answered once."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from service_desk import events as ev
from service_desk.commands.common import new_id, utcnow
from service_desk.config import DeskConfig
from service_desk.domain.errors import AlreadyAnswered, InvalidToken
from service_desk.domain.surveys import Survey, hash_token
from service_desk.models import SurveyLinkRow, SurveyRow
from service_desk.repository import survey_from_row


def issue_survey(uow, desk: DeskConfig, *, customer_id: str, order_id: str | None = None,
                 ticket_id: str | None = None, rep_id=None, team=None, region=None) -> SurveyRow | None:
    """A survey for the order (or ticket), unless it has one already; None then."""
    if _existing(uow, order_id, ticket_id) is not None:
        return None
    now = utcnow()
    survey, token = Survey.issue(id=new_id(), order_id=order_id, ticket_id=ticket_id, customer_id=customer_id,
                                 sent_at=now, settings=desk.surveys)
    row = SurveyRow(id=survey.id, order_id=order_id, ticket_id=ticket_id, customer_id=customer_id, rep_id=rep_id,
                    team=team, region=region, sent_at=now, expires_at=survey.expires_at,
                    remind_after_seconds=int(survey.remind_after.total_seconds()),
                    links=[SurveyLinkRow(token_hash=survey.token_hash, purpose="initial", issued_at=now)])
    uow.add(row)
    uow.flush()  # the unique order/ticket key refuses a concurrent twin here
    _announce(uow, desk, row, token, reminder=False)
    return row


def survey_for_link(uow, token: str) -> tuple[SurveyRow, Survey]:
    """The survey a link opens, found with its link in one query."""
    found = uow.session.execute(
        select(SurveyLinkRow.token_hash, SurveyRow).join(SurveyRow, SurveyRow.id == SurveyLinkRow.survey_id)
        .where(SurveyLinkRow.token_hash == hash_token(token))
    ).first()
    if found is None:
        raise InvalidToken("this survey link is not valid")
    token_hash, row = found
    return row, survey_from_row(row, token_hash)


def answer_survey(uow, token: str, data: dict) -> SurveyRow:
    row, survey = survey_for_link(uow, token)
    answer = survey.submit(token, data, utcnow())
    # A conditional update: of two answers racing, only one finds the survey unanswered.
    values = {"answered_at": survey.answered_at, "csat": answer.csat, "nps": answer.nps, "comment": answer.comment,
              "nps_category": str(answer.nps_category)}
    changed = uow.session.execute(
        update(SurveyRow).where(SurveyRow.id == row.id, SurveyRow.answered_at.is_(None)).values(**values)
    ).rowcount
    if changed != 1:
        raise AlreadyAnswered("this survey has already been answered, thank you")
    # The row now holds what was written: no second SELECT to read it back.
    for name, value in values.items():
        set_committed_value(row, name, value)
    uow.publish(ev.SURVEY_ANSWERED, {**ev.survey_core(row), "csat": row.csat, "nps": row.nps,
                                     "nps_category": row.nps_category, "comment": row.comment,
                                     "answered_at": row.answered_at, "sent_at": row.sent_at}, subject=row.id)
    return row


def send_reminders(uow, desk: DeskConfig, now: datetime) -> int:
    """One reminder per unanswered survey once its delay has passed, with a fresh link."""
    pending = uow.session.execute(
        select(SurveyRow).where(SurveyRow.answered_at.is_(None), SurveyRow.reminded_at.is_(None),
                                SurveyRow.expires_at > now, SurveyRow.sent_at <= now)
    ).scalars().all()
    sent = 0
    for row in pending:
        survey = survey_from_row(row, row.links[0].token_hash)
        if not survey.reminder_due(now):
            continue
        token = survey.remind(now)
        if not _claim_reminder(uow, row, now):
            continue  # another worker's sweep sent it a moment ago
        row.links.append(SurveyLinkRow(token_hash=hash_token(token), purpose="reminder", issued_at=now))
        _announce(uow, desk, row, token, reminder=True)
        sent += 1
    return sent


def _claim_reminder(uow, row: SurveyRow, now: datetime) -> bool:
    """Mark the reminder sent only if nobody else has: sweeps run in every worker replica."""
    claimed = uow.session.execute(
        update(SurveyRow).where(SurveyRow.id == row.id, SurveyRow.reminded_at.is_(None)).values(reminded_at=now)
    ).rowcount
    return claimed == 1


def _existing(uow, order_id: str | None, ticket_id: str | None) -> SurveyRow | None:
    key = SurveyRow.order_id == order_id if order_id is not None else SurveyRow.ticket_id == ticket_id
    return uow.session.execute(select(SurveyRow).where(key)).scalar_one_or_none()


def _announce(uow, desk: DeskConfig, row: SurveyRow, token: str, *, reminder: bool) -> None:
    """The only place the plain token goes: the link in the notification event."""
    uow.publish(ev.SURVEY_SENT, {**ev.survey_core(row), "answer_url": desk.answer_url(token),
                                 "expires_at": row.expires_at, "sent_at": row.sent_at, "reminder": reminder},
                subject=row.id)
