"""sitemap.xml against the Sitemap protocol's own schema (sitemap.xsd, 0.9, beside this
file), checked by `xmlschema`."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.validators.conftest import BASE, missing

SCHEMA = Path(__file__).with_name("sitemap.xsd")


@pytest.fixture(scope="module")
def schema():
    try:
        import xmlschema
    except ImportError:
        missing("xmlschema is not installed (pip install -e '.[test]')")
    return xmlschema.XMLSchema(str(SCHEMA))


def test_the_sitemap_is_valid(schema, project_site: Path) -> None:
    text = (project_site / "sitemap.xml").read_text(encoding="utf-8")
    errors = [f"{e.path}: {e.reason}" for e in schema.iter_errors(text)]
    assert not errors, "\n".join(errors[:20])
    assert f"<loc>{BASE}</loc>" in text and "<lastmod>" in text


def test_the_schema_catches_a_bad_sitemap(schema) -> None:
    bad = ('<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
           f"<url><loc>{BASE}</loc><lastmod>2022-13-01</lastmod></url><url><lastmod>2022-01-01</lastmod></url></urlset>")
    assert len(list(schema.iter_errors(bad))) == 2
