"""The one catalogue of what a user reads, in French first and in English on request.

Every text a user reads (the shell's help, messages, table headers, the errors' messages)
is a **key** ("error.phase", "cli.enroll.help") looked up in a gettext catalogue:
`locale/{fr,en}/LC_MESSAGES/parcours.po`, compiled to the `.mo` beside it with
`pybabel compile -d src/parcours/locale -D parcours` (tests/unit/test_catalogue.py fails when
a `.mo` is older than its `.po`, or a key used in the code lacks a French or an English text).

Why keys rather than English msgids: both languages are translations of the same key, so
neither is "the source" that the other silently falls back to, and a French text can be
corrected without changing every `.po`. Why committed `.mo` rather than compiling at load:
reading a `.mo` is one `struct` unpack (the shell starts in a few milliseconds more), where
parsing the `.po` with babel at every start costs tens of milliseconds; the test keeps them
in step.

The library installs nothing globally (it is embedded in other services): `translate(key,
lang)` takes its language, or the active one: the shell's `--lang` (`activate`, a context
variable), else `PARCOURS_LANG`, else French. `Msg` is a key and its parameters rendered
later, in the reader's language (errors carry one).
"""

from __future__ import annotations

import gettext
from collections.abc import Callable, Iterable
from contextvars import ContextVar, Token
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Any

from parcours import formats
from parcours.formats import LANGUAGES, Lang, language

DOMAIN = "parcours"
_ACTIVE: ContextVar[Lang | None] = ContextVar("parcours_language", default=None)


def active() -> Lang:
    """The language texts are rendered in: the shell's choice, else `PARCOURS_LANG`, else
    French. An unknown `PARCOURS_LANG` falls back to French here (the shell refuses it)."""
    chosen = _ACTIVE.get()
    if chosen is not None:
        return chosen
    try:
        return language()
    except ValueError:
        return "fr"


def activate(lang: Lang | None) -> Token[Lang | None]:
    """Render in `lang` from now on in this context (None: back to `PARCOURS_LANG`)."""
    return _ACTIVE.set(lang)


def reset(token: Token[Lang | None]) -> None:
    """Undo the `activate` that returned `token`."""
    _ACTIVE.reset(token)


@cache
def translations(lang: Lang, domain: str = DOMAIN) -> gettext.GNUTranslations:
    """The compiled catalogue of `lang` (`domain` "click": the shell's own words)."""
    path = resources.files("parcours") / "locale" / lang / "LC_MESSAGES" / f"{domain}.mo"
    with path.open("rb") as handle:
        return gettext.GNUTranslations(handle)


@cache
def keys(lang: Lang, domain: str = DOMAIN) -> frozenset[str]:
    """Every key `lang`'s catalogue translates."""
    catalog: dict[Any, str] = translations(lang, domain)._catalog  # type: ignore[attr-defined]
    return frozenset(k for k, v in catalog.items() if isinstance(k, str) and k and v)


def has(key: str, lang: Lang | None = None) -> bool:
    return key in keys(lang or active())


def _value(value: Any, lang: Lang) -> Any:
    if isinstance(value, Msg | Fmt):
        return value.render(lang)
    if isinstance(value, datetime):
        return formats.date_time(value, lang)
    if isinstance(value, date):
        return formats.long_date(value, lang)
    if isinstance(value, list | tuple):
        return ", ".join(str(_value(v, lang)) for v in value)
    return value


def translate(key: str, lang: Lang | None = None, /, **params: Any) -> str:
    """The text of `key` in `lang` (default: the active language), filled with `params`
    (a `Msg` among them is rendered in the same language, a list is joined with commas).

    A string that is not a key of the catalogue is returned as it is: a message of a raise
    site not yet moved into the catalogue still reads, untranslated."""
    lang = lang or active()
    if key not in keys(lang):
        return key
    text = translations(lang).gettext(key)
    return text.format(**{name: _value(v, lang) for name, v in params.items()})


def choose(options: Iterable[str], lang: Lang) -> str:
    """The `options` as the reader lists them: "a, b ou c" / "a, b or c"."""
    items = list(options)
    if len(items) < 2:
        return "".join(items)
    return translate("list.last", lang, head=", ".join(items[:-1]), last=items[-1])


class Msg:
    """A key and its parameters, rendered when read, in the reader's language."""

    __slots__ = ("key", "params")

    def __init__(self, key: str, /, **params: Any) -> None:
        self.key = key
        self.params = params

    def render(self, lang: Lang | None = None) -> str:
        return translate(self.key, lang, **self.params)

    def __str__(self) -> str:
        return self.render()

    def __repr__(self) -> str:
        return f"Msg({self.key!r}, **{self.params!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Msg) and (self.key, self.params) == (other.key, other.params)

    def __hash__(self) -> int:
        return hash(self.key)


class Fmt:
    """A number or a date formatted when read, for the reader's language: `Fmt(formats.euros,
    50000)` reads "50 000,00 €" in French, "€50,000.00" in English (a `date` parameter needs
    no wrapper: it reads as a long date)."""

    __slots__ = ("how", "value")

    def __init__(self, how: Callable[[Any, Lang], str], value: Any) -> None:
        self.how = how
        self.value = value

    def render(self, lang: Lang | None = None) -> str:
        return self.how(self.value, lang or active())

    def __str__(self) -> str:
        return self.render()


__all__ = ["LANGUAGES", "Fmt", "Lang", "Msg", "activate", "active", "has", "keys", "translate"]
