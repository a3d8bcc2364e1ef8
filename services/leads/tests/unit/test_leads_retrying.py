"""A write transaction chosen as a deadlock's victim is run again, a bounded number of times."""
import pytest
from sqlalchemy.exc import OperationalError

from leads.commands.retrying import committed


class DriverError(Exception):
    def __init__(self, message: str, sqlstate: str | None = None):
        super().__init__(message)
        self.sqlstate = sqlstate


def database_error(message: str, sqlstate: str | None = None) -> OperationalError:
    return OperationalError("COMMIT", {}, DriverError(message, sqlstate))


class Unit:
    """A unit of work whose commits fail with the given errors, in order, then succeed."""

    def __init__(self, *commit_errors):
        self.commit_errors = list(commit_errors)
        self.log: list[str] = []

    def commit(self):
        self.log.append("commit")
        if self.commit_errors:
            raise self.commit_errors.pop(0)

    def rollback(self):
        self.log.append("rollback")


def run(unit, **kwargs):
    waits = []

    def work(u):
        u.log.append("work")
        return f"lead after {u.log.count('work')} attempt(s)"

    return committed(unit, work, sleep=waits.append, **kwargs), waits


@pytest.mark.parametrize("error", [database_error("deadlock detected", "40P01"),
                                   database_error("could not serialize access", "40001"),
                                   database_error("database is locked")])
def test_a_deadlock_or_serialization_victim_is_rolled_back_and_run_again(error):
    unit = Unit(error)
    result, waits = run(unit)
    assert result == "lead after 2 attempt(s)"
    assert unit.log == ["work", "commit", "rollback", "work", "commit"]
    assert len(waits) == 1 and 0.01 <= waits[0] <= 0.03  # 20 ms, jittered by x0.5..x1.5


def test_each_retry_waits_a_little_longer():
    unit = Unit(database_error("deadlock detected", "40P01"), database_error("deadlock detected", "40P01"))
    result, waits = run(unit, backoff_seconds=0.1)
    assert result == "lead after 3 attempt(s)"
    assert 0.05 <= waits[0] <= 0.15 and 0.1 <= waits[1] <= 0.3


def test_it_gives_up_after_the_last_attempt_with_the_database_error():
    deadlocks = [database_error("deadlock detected", "40P01") for _ in range(3)]
    unit = Unit(*deadlocks)
    with pytest.raises(OperationalError) as raised:
        run(unit, attempts=3)
    assert raised.value is deadlocks[2]
    assert unit.log.count("work") == 3 and unit.log.count("rollback") == 2


def test_other_database_errors_are_not_retried():
    outage = database_error("connection refused", "08006")
    unit = Unit(outage)
    with pytest.raises(OperationalError) as raised:
        run(unit)
    assert raised.value is outage and unit.log == ["work", "commit"]


def test_an_error_of_the_work_itself_is_not_retried():
    unit = Unit()

    def work(u):
        u.log.append("work")
        raise ValueError("a bad lead")

    with pytest.raises(ValueError):
        committed(unit, work, sleep=lambda _: None)
    assert unit.log == ["work"]


def test_at_least_one_attempt_is_required():
    with pytest.raises(ValueError):
        committed(Unit(), lambda u: None, attempts=0)
