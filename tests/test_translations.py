"""The interface translations: complete, current, with intact placeholders, and applied.

The catalogues ``participation/translations/<lang>/LC_MESSAGES/messages.po`` are the only
source of the translations. When a test here fails after a change to user-visible texts::

    make extract        # pybabel extract + update; lists what is untranslated or fuzzy
    # ... translate that in the .po files (any PO editor) ...
    make translations   # pybabel compile
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

from participation.config import SUPPORTED_LOCALES
from participation.extensions import db
from participation.services import conferences, voting
from participation.translations import check
from tests.helpers import Auth, build_world, make_app

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "participation" / "translations"
LANGUAGES = ("de", "en", "ar", "fa", "tr", "ru", "uk")
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}

# %(name)s-style and {name}-style placeholders, with the conversion of the first kind.
PERCENT = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?([diouxXeEfFgGcrsa])")
BRACES = re.compile(r"\{(\w*)(?:![rsa])?(?::[^{}]*)?\}")


def _read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, locale=locale)


def _key(message) -> tuple:
    return (message.id, message.context)


@pytest.fixture(scope="module")
def template() -> Catalog:
    return _read(TRANSLATIONS / "messages.pot")


@pytest.fixture(scope="module")
def catalogues() -> dict[str, Catalog]:
    return {
        lang: _read(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", locale=lang)
        for lang in LANGUAGES
    }


def _extracted() -> Catalog:
    with (ROOT / "babel.cfg").open(encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f)
    catalog = Catalog()
    for filename, lineno, message, comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def test_every_language_has_a_catalogue():
    assert set(LANGUAGES) == set(SUPPORTED_LOCALES)


def test_make_extract_checks_every_catalogue():
    assert set(check.catalogue_paths()) == set(LANGUAGES)


def test_the_check_lists_untranslated_and_fuzzy_entries():
    catalog = Catalog(locale="de")
    catalog.add("Done", "Erledigt")
    catalog.add("Open", "")
    catalog.add("Close", "Schließen", flags=["fuzzy"])
    catalog.add(("%(n)d vote", "%(n)d votes"), ("%(n)d Stimme", ""))
    assert check.problems(catalog) == (["Open", "%(n)d vote"], ["Close"])


def test_new_english_entries_take_their_msgid_and_written_ones_stay(tmp_path):
    path = tmp_path / "messages.po"
    english = Catalog(locale="en")
    english.add("Open", "")
    english.add("Close", "Shut")
    english.add(("%(n)d vote", "%(n)d votes"), ("", ""))
    with path.open("wb") as f:
        write_po(f, english)
    assert check.fill_english(path) == 2
    filled = _read(path, locale="en")
    assert filled.get("Open").string == "Open"
    assert filled.get("Close").string == "Shut"
    assert filled.get("%(n)d vote").string == ("%(n)d vote", "%(n)d votes")
    assert check.problems(filled) == ([], [])


def test_template_has_exactly_the_messages_of_the_source(template):
    """What `pybabel extract` (with babel.cfg, as `make extract` runs it) finds in the source
    now is what messages.pot holds: nothing missing, nothing stale."""
    source = {_key(m) for m in _extracted() if m.id}
    extracted = {_key(m) for m in template if m.id}
    missing = sorted(str(k[0]) for k in source - extracted)
    stale = sorted(str(k[0]) for k in extracted - source)
    assert not missing, f"not yet extracted (run `make extract`): {missing}"
    assert not stale, f"no longer in the source (run `make extract`): {stale}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalogue_is_complete_and_not_fuzzy(lang, template, catalogues):
    catalog = catalogues[lang]
    messages = {_key(m): m for m in catalog if m.id}
    not_updated = sorted(str(k[0]) for k in {_key(m) for m in template if m.id} - set(messages))
    assert not not_updated, f"{lang}: not in the catalogue (run `make extract`): {not_updated}"
    untranslated, fuzzy = [], []
    for message in messages.values():
        strings = message.string if message.pluralizable else (message.string,)
        wrong_count = message.pluralizable and len(strings) != catalog.num_plurals
        if wrong_count or not all(s and s.strip() for s in strings):
            untranslated.append(message.id)
        if message.fuzzy:
            fuzzy.append(message.id)
    assert not untranslated, f"{lang}: untranslated: {untranslated}"
    assert not fuzzy, f"{lang}: fuzzy: {fuzzy}"


def _placeholders(text: str) -> tuple[set, set]:
    return set(PERCENT.findall(text)), set(BRACES.findall(text))


class _Anything(dict):
    def __missing__(self, key):
        return 1


@pytest.mark.parametrize("lang", LANGUAGES)
def test_placeholders_are_kept(lang, catalogues):
    problems = []
    for message in catalogues[lang]:
        if not message.id:
            continue
        if message.pluralizable:
            expected = _placeholders(message.id[1])
            pairs = [(message.id[1], s) for s in message.string]
        else:
            expected = _placeholders(message.id)
            pairs = [(message.id, message.string)]
        for source, translation in pairs:
            if not translation:
                continue  # reported by test_catalogue_is_complete_and_not_fuzzy
            if _placeholders(translation) != expected:
                problems.append((source, translation))
                continue
            # Templates format every message with %, so a translation must survive it
            # wherever the English text does (a stray "%" would break the page).
            try:
                source % _Anything()
            except (ValueError, TypeError, KeyError):
                continue
            try:
                translation % _Anything()
            except (ValueError, TypeError, KeyError) as error:
                problems.append((source, f"{translation}  ({error})"))
    assert not problems, f"{lang}: placeholders differ:\n" + "\n".join(
        f"  {s!r} -> {t!r}" for s, t in problems
    )


def _html_tag(client, language: str) -> str:
    response = client.get("/", headers={"Accept-Language": language})
    assert response.status_code == 200
    match = re.search(r"<html\b[^>]*>", response.get_data(as_text=True))
    assert match, "the page has no <html> tag"
    return match.group(0)


@pytest.mark.parametrize(
    ("language", "direction"), [("ar", "rtl"), ("fa", "rtl"), ("tr", "ltr"), ("de", "ltr")]
)
def test_page_language_and_direction_follow_the_browser(client, language, direction):
    tag = _html_tag(client, language)
    assert f'lang="{language}"' in tag
    assert f'dir="{direction}"' in tag


@pytest.fixture
def translated_app(tmp_path):
    """The app with the project's catalogues, whatever the other tests' app is configured with."""
    app = make_app(tmp_path, BABEL_TRANSLATION_DIRECTORIES=str(TRANSLATIONS))
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("language", ["de", "ar", "uk"])
def test_pages_are_translated(translated_app, language, catalogues):
    mo = TRANSLATIONS / language / "LC_MESSAGES" / "messages.mo"
    if not mo.exists():
        pytest.skip("catalogues not compiled (run `make translations`)")
    expected = catalogues[language].get("Skip to content").string
    client = translated_app.test_client()
    html = client.get("/", headers={"Accept-Language": language}).get_data(as_text=True)
    assert expected in html, "compiled catalogue is stale or not loaded (run `make translations`)"


IDENTIFIER = re.compile(r"[a-z0-9_.:-]+")


class _VisibleText(HTMLParser):
    """Text nodes and the attribute values a person sees or hears, from an HTML page."""

    SPOKEN = {"aria-label", "title", "placeholder", "alt", "value"}
    SILENT = {"script", "style"}

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._silent = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SILENT:
            self._silent += 1
        for name, value in attrs:
            # data-* attributes carry the strings the page's scripts show (ballot steps …);
            # lower-case words there and in values are states and keys, not text.
            if not value or IDENTIFIER.fullmatch(value):
                continue
            if name in self.SPOKEN or name.startswith("data-"):
                self.texts.append(value.strip())

    def handle_endtag(self, tag):
        if tag in self.SILENT and self._silent:
            self._silent -= 1

    def handle_data(self, data):
        if not self._silent and data.strip():
            self.texts.append(" ".join(data.split()))


def _untranslated(html: str, catalog: Catalog) -> list[str]:
    """English source texts that appear on the page although ``catalog`` translates them."""
    english = {
        m.id
        for m in catalog
        if m.id
        and isinstance(m.id, str)
        and m.string
        and m.string != m.id
        and re.search(r"[A-Za-z]{3}", m.id)
        and "%(" not in m.id
        and "{" not in m.id
    }
    parser = _VisibleText()
    parser.feed(html)
    return sorted({text for text in parser.texts if text in english})


@pytest.mark.parametrize("language", ["de", "ar", "fa", "tr", "ru", "uk"])
def test_the_phone_and_the_projector_show_no_untranslated_text(
    translated_app, language, catalogues
):
    """A delegate's phone with an open ballot, and the projector, in each language."""

    world = build_world()
    poll = voting.create_poll(
        world.moderator.person, world.conference.id, title="Schluss der Debatte"
    )
    voting.open_poll(world.moderator.person, world.conference.id, poll.id)
    pages = {}
    for who, path in (
        (world.delegate, f"/c/{world.conference.id}/live"),
        (world.moderator, f"/c/{world.conference.id}/projector"),
        (world.moderator, f"/c/{world.conference.id}/polls"),
    ):
        client = translated_app.test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
        Auth().join(client, world.codes[who.id])
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        assert f'lang="{language}"' in html
        pages[path] = _untranslated(html, catalogues[language])
    assert not any(pages.values()), pages


def test_user_text_keeps_its_own_direction_in_a_right_to_left_interface(translated_app):
    """Titles and names are written in any language: in the Arabic interface a German title
    is isolated (``dir="auto"`` or ``<bdi>``), so it reads left to right inside the page."""

    world = build_world()
    conferences.save_agenda_item(world.staff, world.conference.id, title="Begrüßung", number="1")
    client = translated_app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ar"
    Auth().join(client, world.codes[world.delegate.id])
    html = client.get(f"/c/{world.conference.id}/live").get_data(as_text=True)
    assert 'dir="rtl"' in html
    assert '<h1 dir="auto">Testkonferenz</h1>' in html
    assert "<bdi>Begrüßung</bdi>" in html
    assert "<bdi>Dana Delegate</bdi>" in html and "<bdi>Verein Alpha</bdi>" in html
