"""The CSV import's row handling: request bodies, the report's columns, the journal."""

from __future__ import annotations

from wspolpraca.organization_import import Journal, Row, payload, read_rows, rejections


def test_a_row_becomes_the_api_body_without_its_empty_cells(tmp_path):
    source = tmp_path / "o.csv"
    source.write_text("\ufeffname,legal_form,nip,regon,areas,email,street,postal_code,city\n"
                      "Fundacja Ławka , foundation,526-025-02-74,,culture; sport ,b@f.pl,"
                      "Grójecka 1,02-001,Warszawa\n"
                      "Klub,sports_club,5260250274,,,k@f.pl,,,\n", encoding="utf-8")
    first, second = read_rows(source)
    assert (first.number, second.number) == (2, 3)  # lines of the file, the header is 1
    assert payload(first) == {
        "name": "Fundacja Ławka", "legal_form": "foundation", "nip": "526-025-02-74",
        "areas": ["culture", "sport"], "email": "b@f.pl",
        "address": {"street": "Grójecka 1", "postal_code": "02-001", "city": "Warszawa"}}
    assert payload(second) == {"name": "Klub", "legal_form": "sports_club",
                               "nip": "5260250274", "areas": [], "email": "k@f.pl"}


def test_the_api_error_names_the_csv_columns():
    row = Row(7, {"nip": "123"})
    error = {"code": "validation_failed", "message": "Niepoprawne dane.",
             "fields": {"nip": ["Niepoprawny NIP."], "address.postal_code": ["Zły kod."],
                        "areas.1": ["Nieznany obszar."]}}
    assert [(r.row, r.nip, r.field, r.message) for r in rejections(row, error)] == [
        (7, "123", "nip", "Niepoprawny NIP."), (7, "123", "postal_code", "Zły kod."),
        (7, "123", "areas", "Nieznany obszar.")]
    conflict = {"code": "duplicate_nip", "message": "Już zarejestrowana."}
    assert [(r.field, r.code) for r in rejections(row, conflict)] == [("", "duplicate_nip")]


def test_the_journal_survives_a_cut_line_and_a_changed_row(tmp_path):
    row = Row(2, {"nip": "5260250274", "name": "A"})
    journal = Journal(tmp_path / "state.jsonl")
    journal.record(row, "sending")
    journal.record(row, "imported", id="o-1")
    journal.close()
    with (tmp_path / "state.jsonl").open("a", encoding="utf-8") as handle:
        handle.write('{"row": 3, "key": "ab')  # the interruption cut this line short
    again = Journal(tmp_path / "state.jsonl")
    assert again.state(row) == "imported"
    assert again.state(Row(2, {"nip": "5260250274", "name": "B"})) is None  # edited since
    assert again.state(Row(3, {})) is None
    again.record(Row(3, {}), "rejected")
    again.close()
    last = Journal(tmp_path / "state.jsonl")
    assert last.state(Row(3, {})) == "rejected"
    last.close()
