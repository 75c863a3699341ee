"""Areas of public benefit: art. 4 ust. 1 of the Act, as a versioned dictionary."""

import pytest

from wspolpraca.areas import AREAS, AREAS_VERSION, area_codes, area_name, validate_areas
from wspolpraca.errors import DomainError


def test_the_dictionary_names_its_legal_text():
    assert "2024" in AREAS_VERSION
    assert "1491" in AREAS_VERSION


def test_about_forty_areas_follow_the_points_of_the_act():
    assert 35 <= len(AREAS) <= 45
    assert [a.point for a in AREAS][:3] == ["1", "1a", "2"]


def test_codes_are_unique_snake_case_and_names_are_polish():
    codes = [a.code for a in AREAS]
    assert len(codes) == len(set(codes)) == len(area_codes())
    assert all(c.replace("_", "").isalpha() and c == c.lower() for c in codes)
    assert all(a.name and a.name == a.name.strip() for a in AREAS)


@pytest.mark.parametrize(
    "code",
    [
        "social_assistance",
        "health",
        "culture",
        "sport",
        "education",
        "ecology",
        "seniors",
        "disability",
        "volunteering",
    ],
)
def test_the_common_areas_are_there(code):
    assert code in area_codes()


def test_an_area_has_its_official_polish_name():
    assert area_name("volunteering") == "promocja i organizacja wolontariatu"


def test_known_distinct_areas_are_accepted_in_their_order():
    assert validate_areas(["sport", "culture"]) == ["sport", "culture"]
    assert validate_areas(("health",)) == ["health"]


def refusal(codes) -> DomainError:
    with pytest.raises(DomainError) as caught:
        validate_areas(codes)
    assert caught.value.field == "areas"
    assert caught.value.status == 422
    return caught.value


def test_an_unknown_area_is_refused_by_name():
    error = refusal(["culture", "astrology"])
    assert error.code == "unknown_area"
    assert "astrology" in error.message


def test_at_least_one_area_is_needed():
    assert refusal([]).code == "areas_required"


def test_an_area_given_twice_is_refused():
    error = refusal(["sport", "culture", "sport"])
    assert error.code == "duplicate_area"
    assert "sport" in error.message


def test_a_single_code_instead_of_a_list_is_refused():
    assert refusal("sport").code == "invalid_areas"


def test_a_code_that_is_not_text_is_refused():
    assert refusal([7]).code == "unknown_area"
