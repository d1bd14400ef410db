"""What a command table is made of: one row per command, and the table that routing, the
permission check and the help text are all read from (`conversations.commands` holds the
bot's one table).

A new per-command option (an explicit report reference, say) is a field on `CommandSpec` with
a default that keeps every other row as it is, read in `CommandTable.parse` into a field of
`Command`; handlers then find it on the `Command` they receive.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from conversations.events import CommandIssued
from conversations.turn import Turn


class Who(StrEnum):
    """Who may run a command, checked before its handler runs."""

    ANYONE = "anyone"
    # The report's lead or a configured approver (see conversations.permissions).
    LEAD_OR_APPROVER = "lead or approver"


@dataclass(frozen=True)
class Command:
    """One parsed command line: the command's name (aliases folded) and the rest of the line,
    e.g. ("assign", "4 @dana")."""

    name: str
    argument: str
    # The report named by a trailing `#2`: its number in the channel (see REFERENCE).
    reference: int | None = None


# An explicit report reference: `#` and the report's channel number, as the last word of the
# line (`/jcdc tlp red #2`). The `#` keeps it apart from arguments that are numbers
# (`assign 4 @dana`, `form 2`).
REFERENCE = re.compile(r"(?:^|\s)#(\d{1,9})$")
REFERENCE_USAGE = "[#n]"


Handler = Callable[[Turn, CommandIssued, Command], None]


@dataclass(frozen=True)
class CommandSpec:
    name: str
    handler: Handler
    # What the help says it does; None only for `help` itself, which the help does not list.
    help: str | None
    # How its arguments are written in the help, e.g. "<section> @person".
    arguments: str = ""
    aliases: tuple[str, ...] = ()
    # Words that run it when a thread reply is just that word ("skip", "pause").
    thread_words: tuple[str, ...] = ()
    # False for the commands that work where no report is open yet (`new`, `help`).
    needs_report: bool = True
    who: Who = Who.ANYONE
    # Completes "Only the lead (...) or an approver can ..." when `who` refuses someone.
    refusal: str = ""
    # An audit action recorded when `who` refuses someone (refused sends are audited).
    refusal_audit: str | None = None
    # Whether a trailing `#n` names the report it acts on (False where no report is meant).
    takes_reference: bool = True

    @property
    def usage(self) -> str:
        return f"{self.name} {self.arguments}" if self.arguments else self.name


class CommandTable:
    """Commands by name, alias and thread word. Table order is help order; commands whose
    help text is the same share one help line (`skip | back | next`)."""

    def __init__(self, specs: Iterable[CommandSpec]) -> None:
        self.specs = tuple(specs)
        self._by_word: dict[str, CommandSpec] = {}
        self._by_thread_word: dict[str, CommandSpec] = {}
        for spec in self.specs:
            if spec.who is not Who.ANYONE and not spec.refusal:
                raise ValueError(f"command {spec.name!r} refuses people but says not why")
            for word in (spec.name, *spec.aliases):
                self._claim(self._by_word, word, spec)
            for word in spec.thread_words:
                self._claim(self._by_thread_word, word, spec)

    @staticmethod
    def _claim(index: dict[str, CommandSpec], word: str, spec: CommandSpec) -> None:
        if word != word.lower() or " " in word:
            raise ValueError(f"command word {word!r} must be one lowercase word")
        if word in index:
            raise ValueError(f"{word!r} names both {index[word].name!r} and {spec.name!r}")
        index[word] = spec

    def with_command(self, spec: CommandSpec) -> CommandTable:
        return CommandTable((*self.specs, spec))

    def find(self, name: str) -> CommandSpec | None:
        return self._by_word.get(name)

    def parse(self, text: str) -> Command:
        """Split command text into a name (lowercased, aliases folded) and its argument; an
        unknown word is kept as it is, so that the reply can name it."""
        stripped = text.strip()
        if not stripped:
            return Command("help", "")
        word, _, rest = stripped.partition(" ")
        name = word.lower().rstrip(":")
        spec = self.find(name)
        argument = rest.strip()
        reference = None
        if spec is not None and spec.takes_reference:
            found = REFERENCE.search(argument)
            if found is not None:
                reference = int(found.group(1))
                argument = argument[: found.start()].strip()
        return Command(spec.name if spec else name, argument, reference)

    def thread_keyword(self, text: str) -> str | None:
        """The command a thread reply runs when the whole reply is one of its thread words
        (punctuation tolerated): `skip`, `Back.`, `pause`."""
        spec = self._by_thread_word.get(text.strip().lower().rstrip(".!"))
        return spec.name if spec else None

    def help_lines(self) -> list[tuple[str, str]]:
        """(usage, meaning) per help line, in table order."""
        lines: dict[str, list[str]] = {}
        referenced: set[str] = set()
        for spec in self.specs:
            if spec.help is not None:
                lines.setdefault(spec.help, []).append(spec.usage)
                if spec.takes_reference:
                    referenced.add(spec.help)
        # `[#n]` once per line: every command on it can name the report it acts on.
        return [
            (" | ".join(usages) + (f" {REFERENCE_USAGE}" if meaning in referenced else ""), meaning)
            for meaning, usages in lines.items()
        ]
