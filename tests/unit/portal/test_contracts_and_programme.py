"""The programme's, the announcement's and the contracts' forms (issue #18, journey 2): a list
sent without the form's empty rows has the API's messages put back at the rows they came
from; the deadline typed as a day and an hour is an instant of Warsaw time."""

from __future__ import annotations

from portal.backend import Rejected
from portal.office_programme import parse_amounts, warsaw_moment
from portal.views import Form


def test_an_item_of_a_list_sent_without_the_empty_rows_is_told_at_its_own_row() -> None:
    form = Form(("tranches", "tranches_0_amount", "tranches_2_amount", "tranches_2_due_on",
                 "fund_culture", "fund_sport"))
    form.reject(Rejected(422, "validation_error", "", {
        "tranches": ["Transze (8 000,00 zł) muszą wynosić dokładnie kwotę dotacji."],
        "tranches.1.due_on": ["Transzę wypłaca się między podpisaniem umowy a końcem zadania."],
        "funds.0.amount": ["Kwota nie może być ujemna."]}),
        items={"tranches": ["tranches_0_{}", "tranches_2_{}"], "funds": ["fund_sport"]})
    assert form.errors["tranches"][0].startswith("Transze (8 000,00 zł)")
    assert form.errors["tranches_2_due_on"] == [
        "Transzę wypłaca się między podpisaniem umowy a końcem zadania."]
    assert form.errors["fund_sport"] == ["Kwota nie może być ujemna."]
    assert "_form" not in form.errors


def test_amounts_are_read_as_typed_and_a_wrong_one_is_told_at_its_field() -> None:
    form = Form(("budget", "fee", "empty"), values={"budget": "100 000,00", "fee": "dużo",
                                                    "empty": ""})
    assert parse_amounts(form, ["budget", "fee", "empty"]) == {"budget": "100000.00"}
    assert form.errors == {"fee": ["Wpisz kwotę w złotych, np. 12 500,00."]}


def test_the_deadline_is_the_day_and_hour_typed_in_warsaw() -> None:
    assert warsaw_moment("2027-01-15", "12:00") == "2027-01-15T12:00:00+01:00"
    assert warsaw_moment("2027-07-15", "") == "2027-07-15T12:00:00+02:00"
    assert warsaw_moment("15.01.2027", "12:00") == "15.01.2027"   # the API explains it
