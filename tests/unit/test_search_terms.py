"""The search page finds what the index holds only if its script makes the terms the
index was made of: search-terms.js and the Snowball stemmers under theme/static/stem/,
run by Node, against briefgen.search, on the same texts in every language with a stemmer."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from briefgen import search

THEME = Path(search.__file__).parent / "theme" / "static"
SAMPLES = {
    "ru": "Официальный представитель МИД Мария Захарова заявила о встрече в Брюсселе; Захаровой ответили. Ёлка, йод, её.",
    "uk": "Міністр закордонних справ України заявив про зустріч у Брюсселі та Києві.",
    "de": "Die Außenministerin traf sich mit den Vertretern der Bundesregierung in Brüssel; Gespräche über Sicherheit.",
    "fr": "Le ministre des Affaires étrangères s'est rendu à Bruxelles pour des négociations élargies.",
    "es": "La ministra de Asuntos Exteriores viajó a Bruselas para las negociaciones sobre seguridad.",
    "ar": "قال الأمين العام لحلف الناتو إن الاجتماعات ستعقد في بروكسل، وأكّد المتحدثون ذلك.",
    "zh": "外交部发言人在国际会议中心表示，中国振华公司将参加的会议。",
    "ja": "外務省の報道官は東京で記者会見を行った。カタカナ、ひらがな。",
    "en": "The councils of Orbán met in Brussels_today, 2022; NATO's ministers are meeting again. İstanbul ß",
}
ALPHABET = "abcdeéßİ _-1'.,абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґاأإآبتثجحخدذرزسشصضطظعغفقكلمنهويىةءًٌٍَُِّْ会议振华国际中心のはカタ　\u0301\u0308"


def _texts() -> list[tuple[str, str]]:
    rng = random.Random(22)
    texts = list(SAMPLES.items())
    for lang in SAMPLES:
        texts += [(lang, "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 60)))) for _ in range(150)]
        words = SAMPLES[lang].split()
        texts += [(lang, " ".join(rng.sample(words, len(words)))[: rng.randint(1, 80)]) for _ in range(50)]
    return texts


HARNESS = """
import { analyser } from "%(terms)s";
const stemmers = %(stemmers)s, stops = %(stops)s, out = [];
for (const [lang, text] of %(texts)s) {
  const module = stemmers[lang] ? await import("%(stem)s" + stemmers[lang] + ".js") : null;
  out.push(analyser(stops[lang], module && new module.default())(text).sort());
}
console.log(JSON.stringify(out));
"""


def test_search_js_makes_the_terms_the_index_holds(tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    texts = _texts()
    langs = {lang for lang, _ in texts}
    script = tmp_path / "terms.mjs"
    script.write_text(HARNESS % {
        "terms": (THEME / "search-terms.js").as_uri(),
        "stem": (THEME / "stem").as_uri() + "/",
        "stemmers": json.dumps({lang: search.STEMMERS.get(lang) for lang in langs}),
        "stops": json.dumps({lang: search.stop_words(lang) for lang in langs}, ensure_ascii=False),
        "texts": json.dumps(texts, ensure_ascii=False),
    }, encoding="utf-8")
    got = json.loads(subprocess.run([node, str(script)], capture_output=True, text=True, check=True).stdout)
    mismatched = [(lang, text, sorted(search.terms(text, lang)), js) for (lang, text), js in zip(texts, got) if sorted(search.terms(text, lang)) != js]
    assert mismatched == []


@pytest.mark.parametrize(("lang", "written", "asked"), [
    ("ru", "Мария Захарова", "Захаровой"),
    ("ru", "встреча в Брюсселе", "Брюссель"),
    ("ar", "حلف الناتو", "ناتو"),
    ("ar", "ناتو", "الناتو"),
    ("de", "die Verhandlungen", "Verhandlung"),
    ("fr", "les négociations", "négociation"),
    ("es", "las negociaciones", "negociación"),
    ("en", "the councils were meeting", "council meets"),
    ("zh", "国际会议中心", "会议"),
    ("zh", "中国振华公司", "振华"),
    ("ja", "記者会見を行った", "会見"),
])
def test_a_query_in_another_form_finds_the_words(lang: str, written: str, asked: str) -> None:
    assert search.terms(asked, lang) <= search.terms(written, lang)


@pytest.mark.parametrize(("lang", "word"), [("en", "the"), ("ru", "что"), ("de", "und"), ("fr", "les"), ("es", "los"), ("uk", "що"), ("ar", "في"), ("zh", "的")])
def test_stop_words_are_the_languages(lang: str, word: str) -> None:
    assert search.terms(word, lang) == set()
    assert search.terms(word, "en" if lang != "en" else "ru") != set() or lang in ("zh",)
