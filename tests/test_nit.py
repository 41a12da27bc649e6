"""DIAN check digit on published NITs, and the accepted text forms."""

from __future__ import annotations

import pytest

from rules.core.nit import dian_check_digit, format_nit, is_valid_nit


@pytest.mark.parametrize(
    ("base", "dv"),
    [
        ("800197268", 4),  # DIAN
        ("899999068", 1),  # Ecopetrol
        ("890903938", 8),  # Bancolombia
        ("860034313", 7),  # Davivienda
        ("900123456", 8),
    ],
)
def test_check_digit_of_known_nits(base: str, dv: int) -> None:
    assert dian_check_digit(base) == dv
    assert format_nit(base) == f"{base}-{dv}"
    assert is_valid_nit(f"{base}-{dv}")


def test_residues_zero_and_one_are_the_digit_itself() -> None:
    # r = sum % 11; DV = r when r is 0 or 1, else 11 - r.
    seen = {dian_check_digit(f"{900000000 + i}") for i in range(200)}
    assert seen == set(range(10))


def test_wrong_digit_rejected() -> None:
    assert not is_valid_nit("800197268-5")
    assert not is_valid_nit("900123456-7")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "abc",
        "800197268-",
        "800197268-45",
        "800.197.268-4",
        "800197268 4",
        "-4",
        None,
        "８００１９７２６８-4",
    ],
)
def test_malformed_text_rejected(text) -> None:
    assert not is_valid_nit(text)


def test_bare_digits_are_a_base_without_dv() -> None:
    assert is_valid_nit("800197268")
    assert is_valid_nit(" 800197268-4 ")


@pytest.mark.parametrize("bad", ["", "12a", "1" * 16, "-1"])
def test_check_digit_needs_plain_digits(bad: str) -> None:
    with pytest.raises(ValueError):
        dian_check_digit(bad)
