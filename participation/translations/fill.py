"""Write the translations kept in ``<lang>.json`` into ``<lang>/LC_MESSAGES/messages.po``.

Updating the translations after a change to user-visible texts (from the project root)::

    .venv/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext \
        -o participation/translations/messages.pot .
    .venv/bin/pybabel update -N -i participation/translations/messages.pot \
        -d participation/translations
    .venv/bin/python -m participation.translations.fill --missing   # what lacks a translation
    # ... add those msgids to participation/translations/<lang>.json ...
    .venv/bin/python -m participation.translations.fill
    .venv/bin/pybabel compile --use-fuzzy --statistics -d participation/translations

Each JSON file maps an English msgid to its translation; an entry with plural forms maps
its singular msgid to a list with one string per plural form of the language. English
needs no file: its translation is the msgid itself. An entry the JSON file does not know is
left as it is; a filled entry loses its fuzzy flag. ``--missing`` writes nothing and exits
with status 1 when some msgid has no translation.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

HERE = Path(__file__).resolve().parent
SOURCE_LANGUAGE = "en"


def languages() -> list[str]:
    return sorted(p.parent.parent.name for p in HERE.glob("*/LC_MESSAGES/messages.po"))


def catalogue_path(lang: str) -> Path:
    return HERE / lang / "LC_MESSAGES" / "messages.po"


def load_translations(lang: str) -> dict:
    path = HERE / f"{lang}.json"
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def translation_for(message, lang: str, translations: dict, nplurals: int):
    """The msgstr for ``message``, or None when there is none (or it does not fit)."""
    if message.pluralizable:
        singular, plural = message.id[0], message.id[1]
        if lang == SOURCE_LANGUAGE:
            return tuple([singular] + [plural] * (nplurals - 1))
        value = translations.get(singular)
        if value is None:
            return None
        if isinstance(value, str):
            value = [value]
        if len(value) != nplurals or not all(value):
            raise ValueError(
                f"{lang}: {singular!r} needs {nplurals} plural forms, "
                f"the JSON file has {len(value)}"
            )
        return tuple(value)
    if lang == SOURCE_LANGUAGE:
        return message.id
    value = translations.get(message.id)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(f"{lang}: {message.id!r} is no plural entry; its translation must be text")
    return value


def is_translated(message) -> bool:
    if isinstance(message.string, (tuple, list)):
        return all(message.string)
    return bool(message.string)


def fill(lang: str, write: bool = True) -> tuple[int, list[str], list[str]]:
    """Fill one catalogue; returns (entries filled, msgids still untranslated, unused JSON keys)."""
    path = catalogue_path(lang)
    with path.open("rb") as f:
        catalog = read_po(f, locale=lang)
    translations = load_translations(lang)
    filled, missing, used = 0, [], set()
    for message in catalog:
        if not message.id:
            continue
        key = message.id[0] if message.pluralizable else message.id
        value = translation_for(message, lang, translations, catalog.num_plurals)
        if value is None:
            if not is_translated(message) or message.fuzzy:
                missing.append(key)
            continue
        used.add(key)
        message.string = value
        message.flags.discard("fuzzy")
        message.previous_id = []
        filled += 1
    unused = sorted(set(translations) - used)
    if write:
        catalog.fuzzy = False
        with path.open("wb") as f:
            write_po(f, catalog, width=76)
    return filled, missing, unused


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("languages", nargs="*", help="language codes (default: all catalogues)")
    parser.add_argument(
        "--missing", action="store_true", help="write nothing; list the msgids without translation"
    )
    args = parser.parse_args(argv)
    incomplete = False
    for lang in args.languages or languages():
        filled, missing, unused = fill(lang, write=not args.missing)
        print(f"{lang}: {filled} filled, {len(missing)} untranslated, {len(unused)} unused in JSON")
        for msgid in missing:
            print(f"  missing: {msgid!r}")
        for msgid in unused:
            print(f"  unused (no longer in the catalogue): {msgid!r}")
        incomplete = incomplete or bool(missing)
    # As a check (--missing), fail when something lacks a translation; filling never fails.
    return 1 if args.missing and incomplete else 0


if __name__ == "__main__":
    sys.exit(main())
