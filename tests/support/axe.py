"""axe-core in the browser tests: the accessibility rules run inside the page.

``make test-deps`` fetches axe-core's minified script with npm into tests/support/vendor/
(ignored by git; see the Makefile's ``AXE_VERSION``). Our pages forbid inline and foreign
scripts (Content-Security-Policy), so the script is not added as a ``<script>`` tag: its
source is evaluated through the DevTools protocol (``page.evaluate``), which the policy does
not govern, and nothing is reported as blocked."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest

AXE_JS = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
# What we hold every page to: WCAG 2.x A and AA, and axe's best practices.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
BLOCKING = ("serious", "critical")

RUN_JS = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                          resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(' '),
                              html: n.html.slice(0, 160),
                              summary: (n.failureSummary || '').slice(0, 240)}))}));
}"""


@cache
def axe_source() -> str:
    if not AXE_JS.exists():
        pytest.skip(f"{AXE_JS} is missing: run `make test-deps` (fetches axe-core with npm)")
    return AXE_JS.read_text(encoding="utf-8")


def violations(page: Any, impacts: tuple[str, ...] = BLOCKING) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now, of the given impacts."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    found = page.evaluate(RUN_JS, TAGS)
    return [v for v in found if v["impact"] in impacts]


def summarise(pages: dict[str, list[dict[str, Any]]]) -> str:
    """The violations of many pages (``{page: violations}``) for a failure message: one entry
    per rule and element, with how many pages show it and the first few of them."""
    grouped: dict[tuple[str, str, str], dict[str, Any]] = {}
    for where, found in pages.items():
        for v in found:
            for node in v["nodes"]:
                key = (v["id"], node["target"], node["html"])
                entry = grouped.setdefault(key, {"v": v, "node": node, "pages": []})
                entry["pages"].append(where)
    lines = []
    for (rule, target, html), entry in sorted(grouped.items(),
                                              key=lambda item: -len(item[1]["pages"])):
        shown = ", ".join(entry["pages"][:4]) + (" …" if len(entry["pages"]) > 4 else "")
        lines.append(f"[{entry['v']['impact']}] {rule} — {entry['v']['help']}\n"
                     f"    {target} {html!r}\n    {entry['node']['summary']}\n"
                     f"    on {len(entry['pages'])} page(s): {shown}")
    return "\n".join(lines)
