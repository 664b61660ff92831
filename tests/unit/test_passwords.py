"""Which console passwords may be set: none a guesser tries in its first few hundred goes."""

import pytest

from warn.console.passwords import WeakPassword, check_strength, common_passwords

COMMON = ["12345678", "password", "password1", "qwertyui", "11111111", "88888888",
          "a1234567", "woaini1314", "iloveyou", "1qaz2wsx", "Password", "PASSWORD1"]


@pytest.mark.parametrize("password", COMMON)
def test_the_most_common_passwords_are_refused(password: str) -> None:
    with pytest.raises(WeakPassword):
        check_strength(password)


def test_the_list_ships_with_the_package_and_has_the_chinese_favourites() -> None:
    common = common_passwords()
    assert 300 <= len(common) <= 2000
    assert {"5201314", "woaini", "iloveyou", "1qaz2wsx", "woaini1314", "password"} <= common
    assert all(word == word.strip().casefold() and not word.startswith("#") for word in common)


@pytest.mark.parametrize(("password", "why"), [
    ("short1!", "at least 8"),
    ("zzzzzzzzzz", "one character repeated"),
    ("abcabcabc", "repeated"),
    ("12121212", "repeated"),
    ("abcdefghij", "run of letters"),
    ("98765432", "run of letters"),
    ("asdfghjkl", "run of letters"),
    ("1qaz2wsx3edc", "run of letters"),
    ("dragon2024!", "common password with a few digits"),
    ("!!woaini520", "common password"),
    ("monkey123", "common password with a few digits"),
])
def test_weak_passwords_are_refused_saying_why(password: str, why: str) -> None:
    with pytest.raises(WeakPassword, match=why):
        check_strength(password)


@pytest.mark.parametrize("password", ["zhangwei", "Zhangwei2026", "2026-zhangwei!",
                                      "iewgnahz", "zhangweizhangwei"])
def test_the_users_own_name_is_refused(password: str) -> None:
    with pytest.raises(WeakPassword, match="name"):
        check_strength(password, "zhangwei")


@pytest.mark.parametrize("password", ["correct horse battery", "night shift 2026",
                                      "夜班 password 1", "zhangwei on the night shift",
                                      "万州区值班室的门口", "Tq7#mz9!pL"])
def test_good_passwords_are_taken(password: str) -> None:
    check_strength(password, "zhangwei")
