"""The offer form's volunteers' work (hours × rate, art. 15 ust. 1 pkt 4) as grants takes it, and
its live sum; what grants decides (the value within the non-financial contribution) it decides."""

from __future__ import annotations

from portal.views import Form
from portal.workspaces import VOLUNTEER_HOURS, VOLUNTEER_RATE, WorkspacesMixin


def typed(**values: str) -> Form:
    pages = WorkspacesMixin()
    form = Form(pages._offer_fields(1), labels=pages._offer_labels(1))
    form.values.update({name: "" for name in form.fields})
    form.values.update(rows=1, title="Festyn", task_start="2027-04-01", task_end="2027-10-31",
                       requested_amount="900", total_cost="1 000,00",
                       cost_items_0_name="Druk", cost_items_0_amount="1000",
                       own_contribution_non_financial="100", **values)
    return form


def test_hours_and_rate_typed_the_polish_way_go_to_grants_with_their_value_summed() -> None:
    form = typed(**{VOLUNTEER_HOURS: "2,5", VOLUNTEER_RATE: "40,00"})
    body = WorkspacesMixin()._offer_body(form, "org-1")
    assert not form.errors
    assert body["own_contribution"]["volunteer_work"] == {"hours": "2.5", "hourly_rate": "40.00"}
    assert WorkspacesMixin._sums(form)["volunteers"].replace("\u00a0", " ") == "100,00 zł"


def test_no_volunteers_no_volunteer_work_and_hours_that_are_no_number_told_at_the_field() -> None:
    form = typed()
    assert "volunteer_work" not in WorkspacesMixin()._offer_body(form, "org-1")[
        "own_contribution"]
    wrong = typed(**{VOLUNTEER_HOURS: "dużo", VOLUNTEER_RATE: "40"})
    WorkspacesMixin()._offer_body(wrong, "org-1")
    assert wrong.errors[VOLUNTEER_HOURS] == ["Wpisz liczbę godzin, np. 120 albo 12,5."]
