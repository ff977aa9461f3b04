"""List the catalogue entries that are untranslated or fuzzy; exit with status 1 if any.

``make extract`` runs this after ``pybabel update``. The catalogues
(``<lang>/LC_MESSAGES/messages.po``) are the translations' only source: translate the
reported entries there, with Poedit, Weblate, Lokalize or an editor, and drop the fuzzy
flag once an entry is checked (fuzzy entries are never compiled).

English is the source language: its translation of a msgid is the msgid itself.
``--fill-english`` first gives every empty entry of the English catalogue its msgid
(what ``msgen`` does) and keeps whatever is written there already.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po, write_po

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SOURCE_LANGUAGE = "en"


def catalogue_paths() -> dict[str, Path]:
    return {p.parent.parent.name: p for p in sorted(HERE.glob("*/LC_MESSAGES/messages.po"))}


def read(path: Path, lang: str) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, locale=lang)


def singular(message: Message) -> str:
    return message.id if isinstance(message.id, str) else message.id[0]


def is_translated(message: Message, num_plurals: int) -> bool:
    """Every form there (one, or one per plural form of the language), and none blank."""
    string = message.string
    forms = (string,) if isinstance(string, str) else tuple(string or ())
    expected = num_plurals if message.pluralizable else 1
    return len(forms) == expected and all(form.strip() for form in forms)


def fill_english(path: Path) -> int:
    """Give the English catalogue's empty entries their msgid; returns how many."""
    catalog = read(path, SOURCE_LANGUAGE)
    filled = 0
    for message in catalog:
        if not message.id or is_translated(message, catalog.num_plurals):
            continue
        if isinstance(message.id, str):
            message.string = message.id
        else:
            one, other = message.id[0], message.id[1]
            message.string = (one,) + (other,) * (catalog.num_plurals - 1)
        filled += 1
    if filled:
        # Written as `pybabel update` in `make extract` writes it, so nothing else changes.
        with path.open("wb") as f:
            write_po(f, catalog, width=76, ignore_obsolete=True)
    return filled


def problems(catalog: Catalog) -> tuple[list[str], list[str]]:
    """The msgids (singular) without translation, and those marked fuzzy."""
    untranslated, fuzzy = [], []
    for message in catalog:
        if not message.id:
            continue
        if not is_translated(message, catalog.num_plurals):
            untranslated.append(singular(message))
        if message.fuzzy:
            fuzzy.append(singular(message))
    return untranslated, fuzzy


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--fill-english", action="store_true", help="first fill the English catalogue's gaps"
    )
    args = parser.parse_args(argv)
    incomplete = False
    for lang, path in catalogue_paths().items():
        if args.fill_english and lang == SOURCE_LANGUAGE:
            filled = fill_english(path)
            if filled:
                print(f"{lang}: {filled} new entries take their msgid")
        untranslated, fuzzy = problems(read(path, lang))
        if not untranslated and not fuzzy:
            print(f"{lang}: complete")
            continue
        incomplete = True
        where = path.relative_to(ROOT)
        print(f"{lang}: {len(untranslated)} untranslated, {len(fuzzy)} fuzzy in {where}")
        for msgid in untranslated:
            print(f"  untranslated: {msgid!r}")
        for msgid in fuzzy:
            print(f"  fuzzy: {msgid!r}")
    return 1 if incomplete else 0


if __name__ == "__main__":
    sys.exit(main())
