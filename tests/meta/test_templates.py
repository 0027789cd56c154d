"""Every template compiles, and every string a template or module marks for translation has English."""

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from chiiki_iot.core.i18n import LOCALE_DIR
from chiiki_iot.web.templating import ENV, TEMPLATE_DIRS

REPO = Path(__file__).resolve().parents[2]


def test_all_templates_compile() -> None:
    names = [str(p.relative_to(d)) for d in TEMPLATE_DIRS for p in d.rglob("*.html")]
    assert len(names) >= 10
    for name in names:
        ENV.get_template(name)


def test_every_marked_string_has_an_english_translation(tmp_path: Path) -> None:
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            str(REPO / "babel.cfg"),
            "-k",
            "N_",
            "-k",
            "_",
            "-o",
            str(pot),
            "--no-location",
            str(REPO),
        ],
        check=True,
        capture_output=True,
        cwd=REPO,
    )
    with pot.open("rb") as fh:
        wanted = [m.id for m in read_po(fh) if m.id]
    with (LOCALE_DIR / "en" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalogue = read_po(fh, locale="en")
    missing = [m for m in wanted if not (catalogue.get(m) and catalogue.get(m).string)]
    assert len(wanted) > 50 and missing == []
    placeholders = re.compile(r"%\(\w+\)s")
    mismatched = [
        m
        for m in wanted
        if sorted(placeholders.findall(m)) != sorted(placeholders.findall(catalogue.get(m).string))
    ]
    assert mismatched == []
