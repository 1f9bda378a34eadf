"""Keep the translation catalogs in step with the code, without make.

    .venv/bin/python -m core.translations.manage update    # extract, update vi and en
    .venv/bin/python -m core.translations.manage check     # exit 1 if stale or untranslated
    .venv/bin/python -m core.translations.manage compile   # .po -> .mo (as pybabel compile)

``update`` does what ``pybabel extract`` + ``pybabel update`` do (same keywords, see
``docs/translations.md``), then copies each new Vietnamese msgid into the ``vi`` msgstr
(the msgids are Vietnamese) and lists the ``en`` entries still waiting for a translation.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "core" / "translations"
POT = TRANSLATIONS / "messages.pot"
LANGUAGES = ("vi", "en")
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2)}


def po_path(language: str) -> Path:
    return TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"


def extract() -> Catalog:
    """Every msgid marked in core/**.py and templates/**.html (the map in babel.cfg)."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    catalog = Catalog(project="thidua", version="0.1.0", copyright_holder="thidua",
                      charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS, strip_comment_tags=True):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments,
                    context=context)
    return catalog


def _write(path: Path, catalog: Catalog) -> None:
    with path.open("wb") as out:
        write_po(out, catalog, sort_output=True, omit_header=False, include_lineno=False,
                 no_location=True, ignore_obsolete=True)


def update() -> list[str]:
    """Write the .pot, update both catalogs, fill ``vi``; return the untranslated en msgids."""
    template = extract()
    _write(POT, template)
    waiting: list[str] = []
    for language in LANGUAGES:
        # Catalog.update puts the template's own Message objects into the catalog: extract
        # afresh per language so filling ``vi`` cannot leak Vietnamese into ``en``.
        template = extract()
        path = po_path(language)
        if path.exists():
            with path.open("rb") as f:
                catalog = read_po(f, locale=language)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            catalog = Catalog(locale=language, project="thidua", version="0.1.0",
                              copyright_holder="thidua", fuzzy=False)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.revision_date = datetime.now()
        for message in catalog:
            if not message.id:
                continue
            if language == "vi" and not _translated(message.string):
                message.string = (message.id if isinstance(message.id, str)
                                  else tuple([message.id[0]] * catalog.num_plurals))
            if language == "en" and still_vietnamese(message):
                message.string = "" if isinstance(message.id, str) else ("", "")
            if language == "en" and (not _translated(message.string) or message.fuzzy):
                waiting.append(message.id if isinstance(message.id, str) else message.id[0])
        _write(path, catalog)
    return waiting


def _translated(string: str | tuple | list | None) -> bool:
    if isinstance(string, tuple | list):
        return bool(string) and all(s for s in string)
    return bool(string)


def still_vietnamese(message: Any) -> bool:
    """An English msgstr copied from a msgid with Vietnamese letters (not translated)."""
    first_id = message.id if isinstance(message.id, str) else message.id[0]
    first = message.string if isinstance(message.string, str) else (message.string or [""])[0]
    return bool(first) and first == first_id and vietnamese_letters(first_id)


def vietnamese_letters(text: str) -> bool:
    """Letters outside ASCII (ư, ộ, Đ…), not mere punctuation such as "—"."""
    return any(ch.isalpha() and not ch.isascii() for ch in text)


def check() -> list[str]:
    """Msgids in the code that a catalog lacks or leaves untranslated (empty when all good)."""
    wanted = {m.id for m in extract() if m.id}
    problems: list[str] = []
    for language in LANGUAGES:
        with po_path(language).open("rb") as f:
            catalog = read_po(f, locale=language)
        for msgid in sorted(wanted, key=str):
            message = catalog.get(msgid)
            if message is None:
                problems.append(f"{language}: missing {msgid!r}")
            elif language == "en" and (not _translated(message.string) or message.fuzzy
                                       or still_vietnamese(message)):
                problems.append(f"{language}: untranslated {msgid!r}")
    return problems


def compile_catalogs() -> None:
    """Compile every .po to its .mo (fuzzy entries are left out, as pybabel does)."""
    for language in LANGUAGES:
        with po_path(language).open("rb") as f:
            catalog = read_po(f, locale=language)
        with po_path(language).with_suffix(".mo").open("wb") as out:
            write_mo(out, catalog)


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "check"
    if command == "update":
        waiting = update()
        for msgid in waiting:
            print(f"en: translate {msgid!r}")
        print(f"Updated {POT.relative_to(ROOT)} and the vi, en catalogs; "
              f"{len(waiting)} en entries wait for a translation.")
        return 0
    if command == "check":
        problems = check()
        for problem in problems:
            print(problem)
        print("Catalogs are up to date." if not problems else
              f"{len(problems)} problems; run: python -m core.translations.manage update")
        return 1 if problems else 0
    if command == "compile":
        compile_catalogs()
        print("Compiled the vi and en catalogs.")
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
