"""`golive import` on real-world-shaped checklists: every item, title, link, priority, field,
section and description the source gave, asserted per document (tests/data/import/)."""

from __future__ import annotations

from pathlib import Path

import pytest

from golive_tui.importer import ImportResult, import_file
from golive_tui.importer.inline import Inline, shortcodes, split_title
from golive_tui.importer.priorities import badge_priority, priority_of, take_tag
from golive_tui.model import Checklist, Item

DATA = Path(__file__).resolve().parent / "data" / "import"


def load(name: str, **options) -> ImportResult:
    return import_file(DATA / name, **options)


def by_key(checklist: Checklist) -> dict[str, Item]:
    return checklist.item_map()


def links(item: Item) -> list[tuple[str, str]]:
    return [(link.name, link.url) for link in item.links]


def test_service_maturity_link_titles_emoji_ticks_and_level_matrix() -> None:
    result = load("service-maturity.md")
    c = result.checklist
    assert [s.title for s in c.section] == ["Maintainability", "Levels", "Operations"]
    items = by_key(c)
    assert list(items) == [
        "maintainability.unit-tests",
        "maintainability.config-in-env-var",
        "maintainability.dockerignore",
        "maintainability.no-latest-tag",
        "maintainability.backup-window",
        "levels.health-endpoint",
        "levels.graceful-shutdown",
        "levels.multi-region",
        "operations.on-call-rotation",
        "operations.runbook",
    ]
    config = items["maintainability.config-in-env-var"]
    assert config.title == "Config in env-var"
    assert links(config) == [
        ("Config in env-var", "https://12factor.net/config")
    ]  # the URL is kept
    assert (
        config.description == "Its config can be overridden via environment variable."
    )  # "Short Description"
    # Only known shortcodes are emoji: times and ratios stay as written.
    assert (
        items["maintainability.backup-window"].description
        == "Backups run at 02:00:30 UTC, ratio 1:2:3 kept."
    )
    # A per-level matrix of emoji-only cells is kept, mark by mark, verbatim.
    assert items["levels.health-endpoint"].fields == {
        "Level C": ":white_check_mark:",
        "Level B": ":white_check_mark:",
        "Level A": ":white_check_mark:",
    }
    assert items["levels.graceful-shutdown"].fields == {
        "Level B": ":white_check_mark:",
        "Level A": ":white_check_mark:",
    }
    assert items["levels.multi-region"].fields == {"Level A": ":white_check_mark:"}
    assert items["operations.on-call-rotation"].fields == {
        "Comment": "Rotation lives in PagerDuty."
    }
    # ✅ and :white_check_mark: in a Status column are ticks; :x: is not.
    assert result.checked == [
        "maintainability.unit-tests",
        "maintainability.config-in-env-var",
        "operations.on-call-rotation",
    ]
    assert {i.priority for i in c.items()} == {"P2"} and result.gate == "All items complete"


def test_checkbox_first_columns_and_boxes_in_title_cells() -> None:
    result = load("checkbox-columns.md")
    items = by_key(result.checklist)
    assert [(i.title, i.owner) for i in items.values()] == [
        ("Freeze merges to main", "Release"),
        ("Snapshot the orders database", "DBA"),
        ("Scale workers to 6", "Platform"),
        ("Switch DNS to the new load balancer", "Platform"),
        ("Run the smoke suite", "QA"),
        ("Watch the 5xx rate for 15 minutes", "SRE"),
        ("All code reviewed", ""),
        ("Release notes published", ""),
        ("Rollback rehearsed", ""),
    ]
    assert not any(
        i.title in ("☐", "☑", "[ ]", "[x]") or i.id.startswith("item") for i in items.values()
    )
    assert (
        items["before-the-window.freeze-merges-to-main"].description == "Announce in #eng"
    )  # Notes column
    assert items["sign-of-life.rollback-rehearsed"].description == "Staging, last Tuesday"
    assert result.checked == [
        "before-the-window.snapshot-the-orders-database",
        "during-the-window.switch-dns-to-the-new-load-balancer",
        "sign-of-life.release-notes-published",
    ]
    assert not any(i.fields for i in items.values())  # the box columns are ticks, not fields


def test_badges_set_priorities_and_stay_out_of_titles_and_ids() -> None:
    result = load("frontend-badges.md")
    c = result.checklist
    items = by_key(c)
    assert [(i.key, i.title, i.priority, i.fields.get("Priority")) for i in items.values()] == [
        ("head.meta-tags.doctype", "Doctype", "P1", "High"),
        ("head.meta-tags.charset", "Charset", "P1", "High"),
        ("head.meta-tags.favicons", "Favicons", "P2", "Medium"),
        ("head.meta-tags.windows-tiles", "Windows tiles", "P3", "Low"),
        ("head.social-meta.twitter-card", "Twitter card", "P3", "Low"),  # a shields.io badge
        (
            "head.social-meta.open-graph",
            "Open Graph",
            "P2",
            "Medium",
        ),  # a badge whose reference is missing
        ("css.responsive", "Responsive", "P1", "High"),
        ("css.print-stylesheet", "Print stylesheet", "P2", None),
    ]
    doctype = items["head.meta-tags.doctype"]
    assert doctype.description == "The Doctype is HTML5 and is at the top of every page."
    # The example after the item is its runbook, as HTML (never a bash command); the quote after it
    # its links.
    assert doctype.runbook == "```html\n<!doctype html> <!-- HTML5 -->\n```"
    assert links(doctype) == [
        ("Doctype - MDN", "https://developer.mozilla.org/en-US/docs/Glossary/Doctype")
    ]
    favicons = items["head.meta-tags.favicons"]
    assert favicons.description.startswith(
        "Each favicon has been created"
    ) and favicons.description.endswith("over ICO.")
    assert links(favicons) == [
        ("RealFaviconGenerator", "https://realfavicongenerator.net/"),
        ("Favicon cheat sheet", "https://github.com/audreyr/favicon-cheat-sheet"),
    ]
    meta = next(s for s in c.sections() if s.key == "head.meta-tags")
    assert not meta.runbook  # no HTML became "Verification Commands"
    assert meta.notes.startswith("*The next two tags must come first in the head.*")
    assert (
        "```xml\n<browserconfig>" in meta.notes
    )  # an example after prose stays a note, its language kept
    assert result.checked == ["head.meta-tags.charset"]
    assert result.gate == "All P1 items complete" and c.criterion[0].rule == "priority-complete"


def test_level_severity_and_priority_columns() -> None:
    result = load("severity-levels.md")
    items = by_key(result.checklist)
    got = {key.rsplit(".", 1)[1]: (i.priority, i.fields) for key, i in items.items()}
    assert got == {
        "mfa-for-every-console-user": ("P1", {"Level": "Critical 🔴"}),
        "secrets-in-the-vault-not-in-env-files": ("P1", {"Level": "High 🟠"}),
        "tls-1-2-on-every-listener": ("P2", {"Level": "Medium 🟡"}),
        "security-headers-on-the-cdn": ("P3", {"Level": "Low 🟢"}),
        "audit-log-shipped-off-account": (
            "P2",
            {"Level": "L2"},
        ),  # a maturity level, not a priority: a field
        "public-s3-bucket-for-logs": (
            "P1",
            {"ID": "F-1", "Severity": "🔴"},
        ),  # the ID column is not the title
        "outdated-base-image": ("P2", {"ID": "F-2", "Severity": "medium"}),
        "rotate-the-deploy-key": ("P1", {"Priority": "P1"}),
        "pin-the-helm-chart-versions": ("P2", {"Priority": "P2"}),
        "remove-the-legacy-cron-job": ("P3", {"Priority": "P3"}),
    }
    assert items["controls.mfa-for-every-console-user"].description == "Hardware keys for admins"
    assert result.checked == ["findings.public-s3-bucket-for-logs"]
    assert result.gate == "All P1 items complete"


def test_nested_tasks_keep_sub_bullets_code_and_links_with_their_item() -> None:
    result = load("nested-runbooks.md")
    c = result.checklist
    items = by_key(c)
    failover = items["readiness.database-failover-rehearsed"]
    assert (failover.title, failover.owner, failover.priority) == (
        "Database failover rehearsed",
        "DBA",
        "P1",
    )
    assert failover.fields == {
        "Priority": "P1",
        "Why": "the primary has never failed over under load.",
        "How": "promote the replica in staging and time it.",
        "Level": "Critical 🔴",
    }
    assert failover.description == "- keep the timings in the rehearsal log"
    assert links(failover) == [("rehearsal log", "https://wiki.example/orders/failover")]
    assert failover.runbook == "aws rds failover-db-cluster --db-cluster-identifier orders-staging"
    capacity = items[
        "readiness.capacity-plan-signed-off"
    ]  # a paragraph-long task: first sentence is the title
    assert capacity.title == "Capacity plan signed off"
    assert capacity.description.startswith("The plan covers Black Friday peak traffic")
    assert capacity.description.endswith("in October.\n- the spreadsheet lives in the shared drive")
    flags = items["readiness.feature-flags-default-to-off"]
    assert flags.priority == "P2" and flags.title == "Feature flags default to off"
    assert flags.description == "Flags are listed in the flag registry with their owners."
    assert links(flags) == [("flag registry", "https://flags.example/orders")]
    assert (
        flags.runbook == "```yaml\norders.v3.enabled: false\norders.v3.rollout: 0\n```"
    )  # the language is kept
    kill = items["readiness.kill-switch-tested"]
    assert (
        kill.description
        == "Part of: Feature flags default to off\n- flip it in staging while the load test runs"
    )
    switch = items["cutover.switch-traffic"]  # a bold lead is the title
    assert (
        switch.description
        == "move 10 % of traffic, then 50 %, then 100 %, watching the error budget between steps."
    )
    assert items["cutover.drain-the-queue"].runbook == "./bin/drain --queue orders --wait 300"
    announce = items["cutover.announce-the-cutover-on-https-status-example-com"]
    assert links(announce) == [
        ("https://status.example.com", "https://status.example.com")
    ]  # a bare URL
    assert announce.runbook == '```html\n<div class="banner">Orders v3 is live</div>\n```'
    readiness = next(s for s in c.sections() if s.key == "readiness")
    assert not readiness.notes and not readiness.runbook  # nothing detached from its item
    assert result.checked == ["readiness.capacity-plan-signed-off"]


def test_plain_bullets_need_bullets_and_then_leaves_are_items() -> None:
    result = load("plain-bullets.md", bullets=True)
    c = result.checklist
    items = by_key(c)
    assert [(i.key, i.description) for i in items.values()] == [
        ("infrastructure.vpc-peering-to-the-payments-account", "Part of: Networking"),
        ("infrastructure.nat-gateways-in-every-zone", "Part of: Networking"),
        ("infrastructure.node-pools-sized-for-peak", "Part of: Compute"),
        ("infrastructure.backups-verified-by-a-restore", ""),
        ("people.on-call-schedule-published", ""),
        ("people.support-briefed-on-the-known-issues", ""),
    ]
    assert links(items["people.support-briefed-on-the-known-issues"]) == [
        ("known issues", "https://wiki.example/known-issues")
    ]
    sections = {s.key: s for s in c.sections()}
    assert (
        sections["contents"].notes == "- [Infrastructure](#infrastructure)\n- [People](#people)"
    )  # a TOC, not items
    assert sections["people"].notes == "Prose after the list stays a note."


def test_html_in_cells() -> None:
    items = by_key(load("html-cells.md").checklist)
    hsts, csp, referrer = items.values()
    assert (hsts.title, hsts.priority) == ("HSTS", "P1")  # <b> unwrapped, <img alt="High"> a badge
    assert (
        hsts.description
        == "Send Strict-Transport-Security with a year of max-age. Include subdomains."
    )  # <br>
    assert hsts.fields == {"Priority": "High", "Example": "<code>max-age=31536000</code>"}
    assert csp.description == "See the CSP reference for the directives."
    assert links(csp) == [("CSP reference", "https://content-security-policy.com/")]  # <a href>
    assert (csp.priority, referrer.priority, referrer.description) == (
        "P2",
        "P3",
        "Use strict-origin-when-cross-origin.",
    )


@pytest.mark.parametrize(
    ("name", "encoding", "how"),
    [
        ("windows-bom-crlf.md", None, "utf-8 (byte order mark)"),
        ("latin1.md", "latin-1", "iso8859-1 (--encoding)"),
        ("utf16.md", None, "utf-16 (byte order mark)"),
    ],
)
def test_encodings(name: str, encoding: str | None, how: str) -> None:
    result = load(name, encoding=encoding)
    assert result.encoding == how
    c = result.checklist
    titles = [(i.key, i.title, i.owner) for i in c.items()]
    expected = {
        "windows-bom-crlf.md": (
            "Déploiement — checklist",
            [
                ("preparation.sauvegarde-verifiee", "Sauvegarde vérifiée", "DBA"),
                ("preparation.fenetre-annoncee", "Fenêtre annoncée", "Ops"),
                ("apres.verifier-les-journaux", "Vérifier les journaux", ""),
                ("apres.prevenir-le-support", "Prévenir le support", "Support"),
            ],
            ["preparation.sauvegarde-verifiee", "apres.prevenir-le-support"],
        ),
        "latin1.md": (
            "Crème brûlée bakery go-live",
            [
                ("cuisine.four-prechauffe-a-180-c", "Four préchauffé à 180 °C", ""),
                ("cuisine.creme-fraiche-livree", "Crème fraîche livrée", "Chef"),
                ("cuisine.caramel-brule-a-la-flamme", "Caramel brûlé à la flamme", ""),
                ("caisse.terminal-de-paiement-teste", "Terminal de paiement testé", "Gérant"),
            ],
            ["cuisine.caramel-brule-a-la-flamme"],
        ),
        "utf16.md": (
            "Rollout 東京",
            [
                ("checks.tokyo-region-quota-raised", "Tokyo region quota raised", ""),
                ("checks.japanese-translations-reviewed", "Japanese translations reviewed", "L10n"),
                ("checks.latency-from-osaka-under-40-ms", "Latency from Osaka under 40 ms", ""),
            ],
            ["checks.japanese-translations-reviewed"],
        ),
    }[name]
    assert (
        c.title,
        titles,
        result.checked,
    ) == expected  # the BOM hides no heading; CRLF splits no cell
    assert "\r" not in result.checklist_toml


def test_utf16_without_a_byte_order_mark_is_recognised(tmp_path: Path) -> None:
    text = (DATA / "utf16.md").read_bytes().decode("utf-16")
    for codec in ("utf-16-le", "utf-16-be"):
        path = tmp_path / f"{codec}.md"
        path.write_bytes(text.encode(codec))
        result = import_file(path)
        assert result.encoding == f"{codec} (no byte order mark)"
        assert [i.title for i in result.checklist.items()][-1] == "Latency from Osaka under 40 ms"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Backup runs at 02:00:30 UTC", "Backup runs at 02:00:30 UTC"),
        ("1:2:3", "1:2:3"),
        (":rocket: launch :white_check_mark:", "🚀 launch ✅"),
        (":not_an_emoji: stays", ":not_an_emoji: stays"),
        ("a :+1: b", "a 👍 b"),
        ("time 10:30:00:ship:", "time 10:30:00🚢"),
    ],
)
def test_only_known_shortcodes_are_replaced(text: str, expected: str) -> None:
    assert shortcodes(text) == expected
    assert ":" not in shortcodes(":rocket: Launch", drop=True)


@pytest.mark.parametrize(
    ("text", "lead", "title", "rest"),
    [
        ("Short task", "", "Short task", ""),
        ("Doctype: The Doctype is HTML5.", "Doctype:", "Doctype", "The Doctype is HTML5."),
        ("Switch traffic — move 10 % first", "Switch traffic", "Switch traffic", "move 10 % first"),
        (
            "Don't deploy on Fridays",
            "Don't",
            "Don't deploy on Fridays",
            "",
        ),  # bold for emphasis is no title
        (
            "Rotate keys, e.g. the deploy key. "
            + "Then check every consumer of the key still authenticates " * 2,
            "",
            "Rotate keys, e.g. the deploy key",
            "Then check every consumer",
        ),
    ],
)
def test_split_title(text: str, lead: str, title: str, rest: str) -> None:
    got = split_title(Inline(text, lead=lead))
    assert got[0] == title and got[1].startswith(rest)


def test_a_paragraph_without_a_sentence_end_gets_a_short_title() -> None:
    text = "word " * 100
    title, rest = split_title(Inline(text.strip()))
    assert len(title) <= 100 and title.endswith("…") and rest == text.strip()


@pytest.mark.parametrize(
    ("text", "priority"),
    [
        ("Critical 🔴", "P1"),
        ("high - must fix", "P1"),
        ("P0", "P1"),
        ("Medium", "P2"),
        ("should have", "P2"),
        ("nice to have", "P3"),
        ("P4", "P3"),
        ("🟢", "P3"),
        ("L2", None),
        ("Level A", None),
        ("", None),
    ],
)
def test_priority_words(text: str, priority: str | None) -> None:
    assert priority_of(text) == priority


def test_badges_and_tags() -> None:
    assert badge_priority("High", "") == ("High", "P1")
    assert badge_priority("Sev: Low", "https://img.shields.io/badge/priority-low-green") == (
        "Low",
        "P3",
    )
    assert badge_priority("", "https://img.shields.io/badge/-critical-red") == ("Critical", "P1")
    assert badge_priority("logo", "https://example.com/logo.png") is None
    assert take_tag("(P1) Failover rehearsed") == ("Failover rehearsed", "P1", "P1")
    assert take_tag("Flags off [P2]") == ("Flags off", "P2", "P2")
    assert take_tag("Upgrade to HTTP/2 (P2P mesh)")[1] is None
