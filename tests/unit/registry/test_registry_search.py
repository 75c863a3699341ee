"""Names are matched ignoring case, Polish diacritics and extra spaces."""

import pytest

from registry.domain import search_key


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Stowarzyszenie ŁĄKA", "stowarzyszenie laka"),
        ("Fundacja Źródło", "fundacja zrodlo"),
        ("ąćęłńóśźż", "acelnoszz"),
        ("ĄĆĘŁŃÓŚŹŻ", "acelnoszz"),
        ("  Klub   Sportowy\t\n Orzeł ", "klub sportowy orzel"),
        ("Café Müller", "cafe muller"),
        ("", ""),
    ],
)
def test_the_search_key_folds_case_diacritics_and_whitespace(text, key):
    assert search_key(text) == key


def test_a_name_and_a_query_typed_without_polish_letters_meet():
    assert search_key("Towarzystwo Przyjaciół Dzieci, Oddział Łódź").startswith(
        search_key("towarzystwo przyjaciol")
    )
    assert "lodz" in search_key("Towarzystwo Przyjaciół Dzieci, Oddział Łódź")


def test_composed_and_decomposed_letters_give_the_same_key():
    assert search_key("Ż") == search_key("Z\u0307")
