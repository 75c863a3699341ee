"""The officer's consultation form: what is typed becomes the consultations API's body (the
sections one per line, times typed in Warsaw time sent with their zone), and a consultation
comes back into the edit form as it was typed."""

from __future__ import annotations

from portal.office_consultations import FIELDS, LABELS, consultation_body, form_values
from portal.views import Form


def typed(**values: str) -> Form:
    return Form(FIELDS, labels=LABELS, values={name: "" for name in FIELDS} | values)


def test_times_typed_in_warsaw_are_sent_with_their_zone_and_sections_one_per_line():
    form = typed(title="Projekt", subject="Zieleń", sections="§ 1. Cele\n\n  § 2. Środki  \n",
                 opens_at="2027-01-15T10:00", closes_at="2027-07-15T10:00",
                 residents_may_comment="tak")
    body = consultation_body(form)
    assert form.errors == {}
    assert body["opens_at"] == "2027-01-15T10:00:00+01:00"     # winter time
    assert body["closes_at"] == "2027-07-15T10:00:00+02:00"    # summer time
    assert body["sections"] == ["§ 1. Cele", "§ 2. Środki"]
    assert body["residents_may_comment"] is True and body["draft_text"] is None


def test_a_time_that_is_not_one_is_told_at_its_field_and_an_empty_one_left_for_the_api():
    form = typed(title="Projekt", opens_at="jutro")
    body = consultation_body(form)
    assert form.errors == {"opens_at": ["Wpisz datę i godzinę, np. 15.01.2027, 10:00."]}
    assert "opens_at" not in body and "closes_at" not in body and "subject" not in body


def test_a_consultation_comes_back_into_the_edit_form_as_typed():
    values = form_values({"title": "Projekt", "subject": "Zieleń", "draft_text": None,
                          "sections": ["§ 1", "§ 2"], "opens_at": "2027-01-15T09:00:00+00:00",
                          "closes_at": "2027-02-15T09:00:00Z", "residents_may_comment": False})
    assert values["opens_at"] == "2027-01-15T10:00" and values["closes_at"] == "2027-02-15T10:00"
    assert values["sections"] == "§ 1\n§ 2" and values["residents_may_comment"] == ""
    assert consultation_body(typed(**values))["opens_at"] == "2027-01-15T10:00:00+01:00"
