"""Demand catalogues: numbered sections of numbered demands, and the Demand rows behind them.

Until a catalogue is admitted its demands are numbered by their order; from admission on
each demand keeps its label, so a vote and the minutes can name it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from string import ascii_lowercase

from participation.extensions import db
from participation.models import Catalogue, Demand, Document
from participation.services.documents.numbering import label_key
from participation.text import from_paragraphs, paragraphs, split_blocks

_SECTION_NUMBER = re.compile(r"(\d{1,4})[.)]\s*")


@dataclass(frozen=True)
class DemandSlot:
    """A demand's place in a catalogue text: block index, section number, running number."""

    #: The demand's block in the text.
    index: int
    #: The number of its ``##`` section; 0 before the first heading.
    section: int
    #: Its number within the section.
    number: int

    @property
    def label(self) -> str:
        return f"{self.section}.{self.number}" if self.section else str(self.number)


def demand_slots(body: str, *, running: bool = True) -> list[DemandSlot]:
    """The demands of a catalogue text: top-level list items, grouped by ``##`` sections.

    With ``running`` sections are numbered by their order; otherwise by the number written in
    the heading ("## 3. Bildung"), where there is one.
    """
    slots: list[DemandSlot] = []
    section = count = number = 0
    for index, block in enumerate(split_blocks(body)):
        if block.kind == "heading":
            count += 1
            written = _SECTION_NUMBER.match(block.text)
            section = int(written.group(1)) if written and not running else count
            number = 0
        elif block.kind == "item" and block.level == 0:
            number += 1
            slots.append(DemandSlot(index, section, number))
    return slots


def number_sections(body: str) -> str:
    """Renumber the section headings of a catalogue by their order ("## 2. Arbeit")."""
    pieces = []
    count = 0
    for source, block in zip(paragraphs(body), split_blocks(body), strict=True):
        if block.kind == "heading":
            count += 1
            title = section_title(block.text)
            source = f"{block.marker} {count}. {title}".rstrip()
        pieces.append(source)
    return from_paragraphs(pieces)


def section_title(heading: str) -> str:
    """A section heading without its number: "3. Bildung" → "Bildung"."""
    return _SECTION_NUMBER.sub("", heading, count=1)


def _fresh_label(previous: str | None, section: int, taken: set[str]) -> str:
    """A label for a demand added after numbering froze: "3.2a" after "3.2"."""
    base = previous or (f"{section}.0" if section else "0")
    stem = base.rstrip(ascii_lowercase)
    suffix = base[len(stem) :]
    start = ord(suffix[-1]) + 1 if suffix else ord("a")
    for code in range(start, ord("z") + 1):
        candidate = f"{stem}{suffix[:-1] if suffix else ''}{chr(code)}"
        if candidate not in taken:
            return candidate
    n = 1
    while f"{stem}-{n}" in taken:
        n += 1
    return f"{stem}-{n}"


def _sync_demands(
    catalogue: Catalogue, body: str, mapping: Mapping[int, int | None] | None
) -> None:
    """Make the Demand rows mirror the demand blocks of the catalogue's new text.

    Until the catalogue is admitted the numbering follows the order. Afterwards labels are
    frozen: a demand keeps its label wherever its block moves (``mapping``: old block index →
    new one), a demand no longer in the text keeps its row without a block, and a new demand
    gets a label after its predecessor ("3.2a").
    """
    if catalogue.admitted_at is None:
        catalogue.demands.clear()
        db.session.flush()
        for position, slot in enumerate(demand_slots(body)):
            catalogue.demands.append(
                Demand(label=slot.label, position=position, block_index=slot.index)
            )
        return
    slots = demand_slots(body, running=False)
    slot_indices = {slot.index for slot in slots}
    claimed: dict[int, Demand] = {}
    for demand in catalogue.demands:
        moved = None
        if demand.block_index is not None and mapping is not None:
            moved = mapping.get(demand.block_index)
        if moved is not None and moved in slot_indices and moved not in claimed:
            demand.block_index = moved
            claimed[moved] = demand
        else:
            demand.block_index = None
    taken = {demand.label for demand in catalogue.demands}
    previous: str | None = None
    section = None
    for slot in slots:
        if slot.section != section:
            previous, section = None, slot.section
        if slot.index in claimed:
            previous = claimed[slot.index].label
            continue
        label = _fresh_label(previous, slot.section, taken)
        catalogue.demands.append(Demand(label=label, block_index=slot.index))
        taken.add(label)
        previous = label
    for position, demand in enumerate(sorted(catalogue.demands, key=lambda d: label_key(d.label))):
        demand.position = position


def demand_labels(catalogue: Document) -> dict[int, str]:
    """Block index → demand label, for the catalogue's current text."""
    if not isinstance(catalogue, Catalogue):
        return {}
    return {d.block_index: d.label for d in catalogue.demands if d.block_index is not None}
