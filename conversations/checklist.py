"""The checklist as data: typed models and a loader that fails loudly on a bad file."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from enum import StrEnum
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import Field, PrivateAttr, ValidationError, model_validator

from conversations.frozen import FrozenModel

DEFAULT_CHECKLIST = "checklist.yaml"

_ITEM_ID = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
_ITEM_NUMBER = re.compile(r"^(\d+)\.(\d+)$")


class AnswerKind(StrEnum):
    """How an answer is parsed, validated and merged across responders."""

    TEXT = "text"
    CHOICE = "choice"
    MULTI_CHOICE = "multi_choice"
    YES_NO = "yes_no"
    DATETIME = "datetime"
    NUMBER = "number"
    SEVERITY = "severity"
    CONFIDENCE = "confidence"
    IOCS = "iocs"
    CVES = "cves"
    TECHNIQUES = "techniques"
    TLP = "tlp"


# Kinds whose answers from several responders add up instead of competing.
ACCUMULATING_KINDS = frozenset(
    {
        AnswerKind.TEXT,
        AnswerKind.MULTI_CHOICE,
        AnswerKind.IOCS,
        AnswerKind.CVES,
        AnswerKind.TECHNIQUES,
    }
)
KINDS_WITH_OPTIONS = frozenset({AnswerKind.CHOICE, AnswerKind.MULTI_CHOICE})


class AnswerOption(FrozenModel):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str = Field(min_length=1)
    aliases: tuple[str, ...] = ()


class Item(FrozenModel):
    id: str
    number: str
    question: str = Field(min_length=1)
    help: str = Field(min_length=1)
    example: str | None = None
    kind: AnswerKind
    options: tuple[AnswerOption, ...] = ()
    # Overrides the kind's default: e.g. several timestamps for one item.
    multiple: bool | None = None
    # Items that are sensitive to paste into chat carry a caution shown with the question.
    caution: str | None = None
    # Carries one of CISA's key elements of an incident report (conversations.key_elements):
    # asked before the rest, and counted apart on the root message.
    essential: bool = False

    @property
    def accumulates(self) -> bool:
        """True when every responder's answer is kept side by side (no conflicts)."""
        if self.multiple is not None:
            return self.multiple
        return self.kind in ACCUMULATING_KINDS

    @property
    def section_number(self) -> int:
        return int(self.number.split(".", 1)[0])

    @model_validator(mode="after")
    def _check_shape(self) -> Item:
        if not _ITEM_ID.match(self.id):
            raise ValueError(f"id {self.id!r} must look like 'section.item' in lower snake case")
        if not _ITEM_NUMBER.match(self.number):
            raise ValueError(f"number {self.number!r} must look like '2.3'")
        if self.kind in KINDS_WITH_OPTIONS and not self.options:
            raise ValueError(f"kind {self.kind.value!r} needs options")
        if self.kind not in KINDS_WITH_OPTIONS and self.options:
            raise ValueError(f"kind {self.kind.value!r} takes no options")
        option_ids = [option.id for option in self.options]
        if len(set(option_ids)) != len(option_ids):
            raise ValueError("option ids must be unique")
        return self


class Section(FrozenModel):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    number: int = Field(ge=0)
    title: str = Field(min_length=1)
    intro: str = Field(min_length=1)
    items: tuple[Item, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _check_items(self) -> Section:
        for position, item in enumerate(self.items, start=1):
            if not item.id.startswith(f"{self.id}."):
                raise ValueError(f"item {item.id!r} must have an id starting with '{self.id}.'")
            expected = f"{self.number}.{position}"
            if item.number != expected:
                raise ValueError(
                    f"item {item.id!r} is numbered {item.number!r} but stands at {expected}"
                )
        return self


class Checklist(FrozenModel):
    _by_id: dict[str, Item] = PrivateAttr(default_factory=dict)
    _by_number: dict[str, Item] = PrivateAttr(default_factory=dict)
    _section_by_item: dict[str, Section] = PrivateAttr(default_factory=dict)

    version: str = Field(min_length=1)
    title: str = Field(min_length=1)
    source: str = Field(min_length=1)
    sections: tuple[Section, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _check_unique(self) -> Checklist:
        seen: set[str] = set()
        for item in self.items():
            if item.id in seen:
                raise ValueError(f"item id {item.id!r} is used twice")
            seen.add(item.id)
        numbers = [section.number for section in self.sections]
        if len(set(numbers)) != len(numbers):
            raise ValueError("section numbers must be unique")
        section_ids = [section.id for section in self.sections]
        if len(set(section_ids)) != len(section_ids):
            raise ValueError("section ids must be unique")
        return self

    def items(self) -> Iterator[Item]:
        for section in self.sections:
            yield from section.items

    def asking_order(self) -> tuple[Item, ...]:
        """The order the guide asks in: the essentials first, then the rest section by
        section (checklist order within each)."""
        items = tuple(self.items())
        return tuple(i for i in items if i.essential) + tuple(i for i in items if not i.essential)

    @property
    def item_count(self) -> int:
        return sum(len(section.items) for section in self.sections)

    def item(self, item_id: str) -> Item:
        return self._items_by_id()[item_id]

    def find_item(self, reference: str) -> Item | None:
        """An item by id (`description.cve`) or human number (`1.2`)."""
        reference = reference.strip().lower()
        by_id = self._items_by_id()
        if reference in by_id:
            return by_id[reference]
        return self._items_by_number().get(reference)

    def find_section(self, reference: str) -> Section | None:
        """A section by id (`mitigations`), number (`7`) or title, case-insensitively."""
        reference = reference.strip().lower()
        for section in self.sections:
            if reference in (section.id, str(section.number), section.title.lower()):
                return section
        return None

    def section_of(self, item: Item) -> Section:
        return self._sections_by_item()[item.id]

    def model_post_init(self, context: Any, /) -> None:
        # Lookup tables derived once; the model is frozen so they never go stale.
        self._by_id = {item.id: item for item in self.items()}
        self._by_number = {item.number: item for item in self.items()}
        self._section_by_item = {
            item.id: section for section in self.sections for item in section.items
        }

    def _items_by_id(self) -> Mapping[str, Item]:
        return self._by_id

    def _items_by_number(self) -> Mapping[str, Item]:
        return self._by_number

    def _sections_by_item(self) -> Mapping[str, Section]:
        return self._section_by_item


class ChecklistError(ValueError):
    """A checklist file that cannot be used; the message names the offending item."""


def parse_checklist(raw: Any, origin: str = "<checklist>") -> Checklist:
    try:
        return Checklist.model_validate(raw)
    except ValidationError as error:
        problems = [f"{_describe_location(raw, e['loc'])}: {e['msg']}" for e in error.errors()]
        raise ChecklistError(
            f"{origin} is not a valid checklist:\n  " + "\n  ".join(problems)
        ) from error


def load_checklist(path: Path | None = None) -> Checklist:
    """Load and validate a checklist file; the packaged one when no path is given."""
    if path is None:
        text = resources.files(__package__).joinpath(DEFAULT_CHECKLIST).read_text("utf-8")
        origin = DEFAULT_CHECKLIST
    else:
        text = path.read_text("utf-8")
        origin = str(path)
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ChecklistError(f"{origin} is not valid YAML: {error}") from error
    return parse_checklist(raw, origin)


@cache
def default_checklist() -> Checklist:
    return load_checklist()


def _describe_location(raw: Any, loc: tuple[int | str, ...]) -> str:
    """Turn a pydantic error location into words that name the section, item and option.

    Each entry is named by its `id`; one without an id by its `number`, else by its position
    (counting from 1), so the message always points at the offending entry.
    """
    kinds = {"sections": "section", "items": "item", "options": "option"}

    def entry_name(node: Any, position: int) -> str:
        if isinstance(node, dict):
            if node.get("id") is not None:
                return repr(node["id"])
            if node.get("number") is not None:
                return f"numbered {str(node['number'])!r}"
        return f"#{position + 1}"

    words: list[str] = []
    node: Any = raw
    parent: int | str | None = None
    for index, part in enumerate(loc):
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            node = None
        if isinstance(parent, str) and parent in kinds and isinstance(part, int):
            words.append(f"{kinds[parent]} {entry_name(node, part)}")
        elif isinstance(part, str) and not (part in kinds and index + 1 < len(loc)):
            # "items" before a position is said by "item 'x'"; "items" at the end is a field.
            words.append(part)
        parent = part
    return " > ".join(words) or "checklist"
