"""A capture's rows and events wait until the lead is complete, then go in the order they came."""
from leads.commands.common import StagedWrites


class Unit:
    def __init__(self):
        self.session = "the session"
        self.writes: list[tuple] = []

    def add(self, row):
        self.writes.append(("add", row))

    def publish(self, event_type, data, *, subject=None):
        self.writes.append(("publish", event_type, data, subject))


def test_nothing_reaches_the_unit_before_write_and_then_everything_in_order():
    unit = Unit()
    staged = StagedWrites(unit)
    staged.publish("leads.lead.captured", {"lead_id": "l-1"}, subject="l-1")
    staged.add("history: captured")
    staged.publish("leads.lead.graded", {"grade": "high"}, subject="l-1")
    staged.add("lead l-1")
    assert unit.writes == []
    staged.write()
    assert unit.writes == [("add", "history: captured"), ("add", "lead l-1"),
                           ("publish", "leads.lead.captured", {"lead_id": "l-1"}, "l-1"),
                           ("publish", "leads.lead.graded", {"grade": "high"}, "l-1")]
    staged.write()  # written once only
    assert len(unit.writes) == 4


def test_what_is_never_written_is_dropped_and_the_rest_of_the_unit_shows_through():
    unit = Unit()
    staged = StagedWrites(unit)
    staged.add("history: captured")
    staged.publish("leads.lead.captured", {"lead_id": "l-2"})
    assert staged.session == "the session"
    del staged  # the lead was refused halfway
    assert unit.writes == []
