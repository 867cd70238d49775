"""The shell's language: French by default, English with `--lang en` or `PARCOURS_LANG=en`.

Three things follow the language, for the shell's process only (the library installs nothing):

- the texts of parcours (catalogue.py), through the active language (`catalogue.activate`);
- the help of every command and option: its text is the catalogue's key
  `cli.<command path>.help` and `cli.<command path>.opt.<parameter>` (else the shared
  `cli.opt.<parameter>`), set on the click tree before click reads it, so that no help text
  lives in the code; a test fails when a command or an option has none in French or English;
- click's and typer's own words ("Usage:", "Show this message and exit.", "Missing
  argument"…): click calls `gettext.gettext` through a module-level `_`, and typer keeps its
  panel titles in module constants. Rather than bind gettext's global domain (which would
  change every gettext user in the process, and reads LANGUAGE/LC_ALL besides), their `_`
  and `ngettext` are pointed at our `click` catalogue (`locale/fr/LC_MESSAGES/click.po`).
  English is click's own text.

The language is read before click parses anything (`requested`), because `--help` is
eager: `parcours --lang en enroll --help` must already be English.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from types import ModuleType

import click
import click.core
import click.decorators
import click.exceptions
import click.formatting
import click.parser
import click.termui
import click.types
import click.utils
import typer.core
import typer.rich_utils

from parcours import catalogue
from parcours.formats import Lang, language

_CLICK_MODULES: tuple[ModuleType, ...] = (
    click.core,
    click.decorators,
    click.exceptions,
    click.formatting,
    click.parser,
    click.termui,
    click.types,
    click.utils,
    typer.core,
    typer.rich_utils,
)
# typer's words, computed once at its import: the constant's name and click's msgid.
_TYPER_CONSTANTS = {
    "DEPRECATED_STRING": "(deprecated) ",
    "DEFAULT_STRING": "[default: {}]",
    "ENVVAR_STRING": "[env var: {}]",
    "REQUIRED_LONG_STRING": "[required]",
    "ARGUMENTS_PANEL_TITLE": "Arguments",
    "OPTIONS_PANEL_TITLE": "Options",
    "COMMANDS_PANEL_TITLE": "Commands",
    "ERRORS_PANEL_TITLE": "Error",
    "ABORTED_TEXT": "Aborted.",
    "RICH_HELP": "Try [blue]'{command_path} {help_option}'[/] for help.",
}
_ROOT_OPTIONS_WITH_VALUE = ("--db", "--lang")


def requested(args: Sequence[str]) -> Lang:
    """The language asked for: the root's `--lang X` / `--lang=X` (before the command's
    name), else `PARCOURS_LANG`, else French. ValueError (bilingual) if unknown."""
    tokens = list(args)
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token == "--lang" and index + 1 < len(tokens):
            return language(tokens[index + 1])
        if token.startswith("--lang="):
            return language(token.split("=", 1)[1])
        if token in _ROOT_OPTIONS_WITH_VALUE:
            index += 2
            continue
        if not token.startswith("-"):
            break  # the command's name: its own options are not the root's
        index += 1
    return language()


def _click_translations(lang: Lang) -> gettext.NullTranslations:
    if lang == "en":
        return gettext.NullTranslations()
    return catalogue.translations(lang, "click")


def bind_click(lang: Lang) -> None:
    """Point click's and typer's `_`/`ngettext` (and typer's constants) at `lang`."""
    words = _click_translations(lang)
    single: Callable[[str], str] = words.gettext
    plural: Callable[[str, str, int], str] = words.ngettext
    for module in _CLICK_MODULES:
        if hasattr(module, "_"):
            module._ = single  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = plural  # type: ignore[attr-defined]
    for name, msgid in _TYPER_CONSTANTS.items():
        setattr(typer.rich_utils, name, single(msgid))


def help_key(path: Sequence[str]) -> str:
    return "cli." + (".".join(path) if path else "root") + ".help"


def option_keys(path: Sequence[str], name: str) -> tuple[str, str]:
    """The parameter's own key, then the shared one."""
    own = "cli." + (".".join(path) if path else "root") + f".opt.{name}"
    return own, f"cli.opt.{name}"


def walk(
    command: click.Command, path: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], click.Command]]:
    """Every command of the tree with its path of names (the root's is empty)."""
    found = [(path, command)]
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            found.extend(walk(sub, (*path, name)))
    return found


def documented(param: click.Parameter) -> bool:
    """A parameter a user reads help for (click's own --help has click's words)."""
    return param.name != "help" and not getattr(param, "hidden", False)


def parameter_help(path: Sequence[str], name: str, lang: Lang) -> str | None:
    for key in option_keys(path, name):
        if catalogue.has(key, lang):
            return catalogue.translate(key, lang)
    return None


def localise(root: click.Command, lang: Lang) -> None:
    """Set every command's and option's help from the catalogue, in `lang`."""
    for path, command in walk(root):
        key = help_key(path)
        if catalogue.has(key, lang):
            command.help = catalogue.translate(key, lang)
            command.short_help = None
        if isinstance(command, click.Group):
            command.subcommand_metavar = catalogue.translate("cli.subcommand_metavar", lang)
        for param in command.params:
            if not documented(param):
                continue
            text = parameter_help(path, param.name or "", lang)
            if text is not None:
                param.help = text
            kind = f"metavar.{param.type.name}"
            option = isinstance(param, click.Option) and not param.is_flag
            if option and param.metavar is None and catalogue.has(kind, lang):
                param.metavar = catalogue.translate(kind, lang)


@contextmanager
def speaking(root: click.Command, lang: Lang) -> Iterator[None]:
    """The whole shell in `lang` while it runs: parcours' texts, the help, click's and
    typer's words; then parcours' texts back to the library's default (`PARCOURS_LANG`)."""
    token = catalogue.activate(lang)
    bind_click(lang)
    localise(root, lang)
    try:
        yield
    finally:
        catalogue.reset(token)
