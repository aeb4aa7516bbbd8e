"""The duplicate-actor heuristic on its own: one actor spelled two ways, and the clearly
distinct names of a real registry that must never be confused."""

from __future__ import annotations

import pytest

from briefgen.quality import edit_distance, name_words, same_name

SAME = [
    ("J. Stoltenberg", "Jens Stoltenberg"),
    ("Jens Stoltenbreg", "Jens Stoltenberg"),
    ("Stoltenburg", "Stoltenberg"),
    ("Йенс Столтенберг", "Jens Stoltenberg"),
    ("Мария Захарова", "Maria Zakharova"),
    ("Сергей Лавров", "Sergey Lavrov"),
    ("Sergei Lavrov", "Sergey Lavrov"),
    ("Aleksandr Grushko", "Alexander Grushko"),
    ("Юрий Ушаков", "Yuri Ushakov"),
    ("Viktor Orban", "Viktor Orbán"),
    ("Wendy R. Sherman", "Wendy Sherman"),
    ("John J. Sullivan", "J. Sullivan"),
    ("Russian Defense Ministry", "Russian Defence Ministry"),
]

DISTINCT = [
    ("Russian Foreign Ministry", "Russian Defence Ministry"),
    ("Russian MFA", "Russian MoD"),
    ("Sergey Lavrov", "Sergei Ryabkov"),
    ("Alexander Fomin", "Alexander Grushko"),
    ("Alexander Lukashevich", "Alexander Lukashenko"),
    ("North Atlantic Council", "North Atlantic Alliance"),
    ("Joe Biden", "Jill Biden"),
    ("Iran", "Iraq"),
    ("Austria", "Australia"),
    ("Slovakia", "Slovenia"),
    ("U.S.", "U.K."),
    ("J. S.", "Jens Stoltenberg"),
    ("Stoltenberg J.", "Stoltenberg Jens"),
    ("Unregistered 10", "Unregistered 1"),
    ("NATO", "NAC"),
    ("George H. W. Bush", "George W. Bush"),
    ("George H. Bush", "George W. Bush"),
]


@pytest.mark.parametrize("a, b", SAME)
def test_one_actor_spelled_two_ways(a: str, b: str) -> None:
    assert same_name(name_words(a), name_words(b)) and same_name(name_words(b), name_words(a))


@pytest.mark.parametrize("a, b", DISTINCT)
def test_distinct_actors(a: str, b: str) -> None:
    assert not same_name(name_words(a), name_words(b)) and not same_name(name_words(b), name_words(a))


def test_words_are_ascii_and_never_empty_for_letters() -> None:
    assert name_words("Мария Захарова") == ("maria", "zaharova")
    assert all(w.isascii() and w for w in name_words("Zbigniew Rau, OSCE Chairman-in-Office"))


@pytest.mark.parametrize("a, b, distance", [("kitten", "sitting", 3), ("lavrov", "lavrov", 0), ("stoltenberg", "stoltenbreg", 2), ("a", "abcdef", 3)])
def test_edit_distance_is_capped(a: str, b: str, distance: int) -> None:
    assert edit_distance(a, b, limit=2) == min(distance, 3)
