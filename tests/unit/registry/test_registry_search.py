"""Names are matched ignoring case, Polish diacritics and extra spaces."""

import pytest

from registry.domain import SEARCH_PREFIX_LENGTH, query_prefix, search_key, word_prefixes


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


def test_every_start_of_every_word_is_a_stored_prefix():
    prefixes = word_prefixes(search_key("Klub Orzeł"))
    assert {"k", "kl", "klu", "klub", "o", "or", "orz", "orze", "orzel"} == set(prefixes)


def test_prefixes_stop_at_their_length_and_the_query_uses_the_same_cut():
    long_word = "przeciwdziałaniu"
    prefixes = word_prefixes(search_key(long_word))
    assert max(map(len, prefixes)) == SEARCH_PREFIX_LENGTH
    assert query_prefix(search_key(long_word)) in prefixes


def test_a_query_is_looked_up_by_its_first_word():
    assert query_prefix(search_key("Klub Sport")) == "klub"
    assert query_prefix(search_key("   ")) is None


def test_a_name_found_by_the_pattern_always_has_the_query_prefix():
    name = search_key("Towarzystwo Przyjaciół Dzieci, Oddział Łódź")
    for query in ("towarzystwo przyj", "przyjaciol dzieci", "lodz", "oddzial"):
        assert query_prefix(search_key(query)) in word_prefixes(name)
