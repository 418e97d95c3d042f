"""The reports: contents, shared summary, escaping of customer text, spreadsheet-safe CSV."""

from __future__ import annotations

import csv
import dataclasses
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from pipeline.analytics.summary import improvement_rows
from pipeline.cli import app
from pipeline.config import Config
from pipeline.jobs.reports import report_data, write_reports
from pipeline.reports.data import ReportData
from pipeline.reports.figures import figure_json, plot_text, theme_report_figures
from pipeline.reports.render import json_script, render_cx_report, render_theme_report
from pipeline.storage.exports import neutralise_formula
from pipeline.storage.warehouse import Warehouse

runner = CliRunner()

#: Injection attempts put into every piece of text a report shows.
PAYLOADS = (
    "<script>alert('xss-script')</script>",
    "<img src=x onerror=alert('xss-img')>",
    "<a href=\"javascript:alert('xss-link')\">click</a>",
    "</script><script>alert('xss-close')</script>",
    "$\\alpha$ {{ 7*7 }} &amp;",
)
RAW_MARKERS = ("<script>alert", "<img src=x", 'href="javascript:', "</script><script>alert")


def hostile_data(data: ReportData) -> ReportData:
    """``data`` with every theme label, quote, sentence and segment value an injection."""

    def cycle(n: int) -> list[str]:
        return [" ".join(PAYLOADS) + f" #{i}" for i in range(n)]

    def relabel(frame: pd.DataFrame) -> pd.DataFrame:
        if frame.empty:
            return frame
        frame = frame.copy()
        if "label" in frame:
            frame["label"] = cycle(len(frame))
        if "quotes" in frame:
            frame["quotes"] = [cycle(3) for _ in range(len(frame))]
        return frame

    drivers = relabel(data.drivers)
    drivers.loc[drivers["segment"] != "all", "segment_value"] = PAYLOADS[1]
    followups = data.followups.copy()
    followups["sentences"] = [cycle(2) for _ in range(len(followups))]
    followups["themes"] = [cycle(2) for _ in range(len(followups))]
    followups["owner"] = [" ".join(PAYLOADS[i % 2 :]) for i in range(len(followups))]
    followups["customer_id"] = PAYLOADS[2]
    followups["comment"] = cycle(len(followups))
    followups["segments"] = json.dumps({"team": PAYLOADS[0], PAYLOADS[3]: PAYLOADS[1]})
    summary = dataclasses.replace(
        data.summary,
        drivers=relabel(data.summary.drivers),
        strengths=relabel(data.summary.strengths),
        alerts=relabel(data.summary.alerts),
    )
    labels = dict(zip(data.labels, cycle(len(data.labels)), strict=True))
    return dataclasses.replace(
        data, summary=summary, drivers=drivers, followups=followups, labels=labels
    )


@pytest.fixture(scope="module")
def reports(demo_workspace: Config):
    return write_reports(demo_workspace)


@pytest.fixture(scope="module")
def data(demo_workspace: Config) -> ReportData:
    return report_data(demo_workspace)


def _without_plotly(page: str) -> str:
    """The page less the inlined plotly.js bundle (which holds URLs in its code)."""
    return re.sub(r"<script>/\*\*\n\* plotly\.js.*?</script>", "", page, flags=re.DOTALL)


def test_theme_report_has_every_section(reports, data: ReportData) -> None:
    page = reports.theme_report.read_text(encoding="utf-8")
    for section in ("headline", "improvements", "drivers", "strengths", "trends", "segments",
                    "channels", "method"):  # fmt: skip
        assert f'<section id="{section}"' in page, section
    figures = theme_report_figures(data)
    assert {"nps-trend", "drivers", "theme-trends", "heatmap-team", "heatmap-product",
            "channels"} <= set(figures)  # fmt: skip
    for key in figures:
        assert f'data-figure="{key}"' in page
        assert f'id="data-{key}"' in page
    nps = data.summary.scores["nps"]
    assert f"{nps.value:.1f}" in page and f"± {nps.margin:.1f}" in page
    assert "Theme model" in page and data.method.theme_model in page
    assert f"random seed {data.method.seed}" in page
    assert data.method.embedding_model.startswith("static@")  # the embedder that embedded


def test_improvement_list_is_the_shared_summary(reports, data: ReportData) -> None:
    """The report's improvement list is the Prefect artifact's table, in the same order."""
    page = reports.theme_report.read_text(encoding="utf-8")
    rows = improvement_rows(reports.summary)
    assert rows, "the demo has ranked drivers"
    shown = re.findall(r'<article class="driver" data-theme-id="(\d+)">', page)
    assert [int(t) for t in shown] == [row["theme_id"] for row in rows]
    for row in rows:
        quotes = data.drivers.loc[
            (data.drivers["theme_id"] == row["theme_id"]) & (data.drivers["segment"] == "all"),
            "quotes",
        ].iloc[0]
        assert len(quotes) >= 1
        for quote in list(quotes)[:3]:
            assert f"<blockquote>{_escaped(quote)}</blockquote>" in page


def _escaped(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))


def test_reports_are_self_contained(reports) -> None:
    for path in (reports.theme_report, reports.cx_report):
        page = _without_plotly(path.read_text(encoding="utf-8"))
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", page, re.IGNORECASE)
        assert "<link" not in page and "@import" not in page
        assert "Content-Security-Policy" in page
    theme = reports.theme_report.read_text(encoding="utf-8")
    assert "plotly.js" in theme[:200_000] or "Plotly" in theme


def test_cx_report_groups_by_owner_at_risk_first(reports, data: ReportData) -> None:
    page = reports.cx_report.read_text(encoding="utf-8")
    queued = data.followups[data.followups["status"] == "queued"]
    assert len(queued) > 0
    for owner in set(queued["owner"]):
        assert f'{_escaped(owner)} <span class="badge">' in page
    sections = page.split('<section class="team"')[1:]
    assert len(sections) == queued["owner"].nunique()
    for section in sections:
        flags = re.findall(r'<article class="followup( at-risk)?"', section)
        risky = [bool(flag) for flag in flags]
        assert risky == sorted(risky, reverse=True), "at-risk customers come first"


def test_cx_report_counts_done_and_expired_and_shows_what_an_agent_needs(
    data: ReportData,
) -> None:
    followups = data.followups[data.followups["status"] == "queued"].copy()
    assert len(followups) >= 4
    owner = followups["owner"].value_counts().index[0]
    mine = followups.index[followups["owner"] == owner]
    assert len(mine) >= 4
    followups.loc[mine[:1], "state"] = "done"
    followups.loc[mine[2:4], "expires_at"] = pd.Timestamp("2000-01-01", tz="UTC")
    followups.loc[mine[1:2], "comment"] = None

    def card(page: str, label: str) -> int:
        found = re.search(rf'{label}</div><div class="value">([0-9,]+)<', page)
        assert found, label
        return int(found.group(1).replace(",", ""))

    before = render_cx_report(data)
    page = render_cx_report(dataclasses.replace(data, followups=followups))
    assert card(page, "Done") == card(before, "Done") + 1
    assert card(page, "Expired") == card(before, "Expired") + 2
    assert card(page, "Open: to call back") == card(before, "Open: to call back") - 3
    assert f'{_escaped(owner)} <span class="badge">{len(mine) - 3} open</span>' in page
    assert '<span class="badge">1 done</span>' in page
    # a done follow-up is no longer on the list; an agent sees the score's scale and language
    assert f'data-record-id="{followups.loc[mine[0], "record_id"]}"' not in page
    assert "on 0-10" in page and "language " in page
    assert "<b>no comment</b>" in page


def test_counts_in_the_reports_agree_in_number(reports) -> None:
    from pipeline.reports.render import environment

    count = environment().filters["plural"]
    assert [count(1, "record"), count(2, "record"), count(1321, "chat")] == [
        "1 record", "2 records", "1,321 chats",
    ]  # fmt: skip
    assert count(2, "analysis", "analyses") == "2 analyses"
    page = reports.cx_report.read_text(encoding="utf-8")
    assert not re.search(r"\b1 (records|negative chats|low CSAT answers)\b", page)


def test_followup_csv_matches_the_queue(reports, data: ReportData) -> None:
    with reports.followups_csv.open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    is_open = (data.followups["status"] == "queued") & (data.followups["state"] == "open")
    assert len(rows) == reports.followups == is_open.sum()
    assert {"record_id", "owner", "at_risk", "sentences", "themes", "comment", "language",
            "score_scale", "state", "team"} <= set(rows[0])  # fmt: skip


def test_hostile_comments_reach_the_reports_as_text(reports) -> None:
    """Markup in comments is cleaned away before any report; formulas arrive as plain text."""
    cx = reports.cx_report.read_text(encoding="utf-8")
    pages = _without_plotly(reports.theme_report.read_text(encoding="utf-8") + cx)
    for marker in (*RAW_MARKERS, "xss-script", "xss-img", "xss-link"):
        assert marker not in pages
    assert "<blockquote>The invoice was wrong again, very bad</blockquote>" in cx
    assert "<blockquote>=HYPERLINK(&#34;http://evil.example&#34;,&#34;click&#34;)" in cx


@pytest.mark.parametrize("render", [render_theme_report, render_cx_report])
def test_injections_in_every_text_field_are_escaped(data: ReportData, render) -> None:
    page = _without_plotly(render(hostile_data(data)))
    for marker in RAW_MARKERS:
        assert marker not in page, marker
    assert "&lt;script&gt;alert(" in page
    assert "{{ 7*7 }}" in page  # template syntax in data is not evaluated
    assert "onerror=alert" not in page.replace("&lt;img src=x onerror=alert", "")
    for tag in re.findall(r"<script[^>]*>", page):
        assert tag == "<script>" or tag.startswith('<script type="application/json" id="data-')


def test_figure_data_cannot_close_its_script_block(data: ReportData) -> None:
    hostile = hostile_data(data)
    for key, figure in theme_report_figures(hostile).items():
        text = json_script(figure_json(figure))
        assert "<" not in text and ">" not in text, key
        decoded = json.loads(str(text))
        assert decoded["data"], key
    assert plot_text("<b>x</b> $a$") == "&lt;b&gt;x&lt;/b&gt; &#36;a&#36;"


def test_figures_are_valid_plotly_figures(data: ReportData) -> None:
    """Plotly's own validation accepts every figure as written into the page (no misspelt
    property, no value of the wrong type), with the white template inlined and no NaN."""
    import plotly.graph_objects as go

    figures = theme_report_figures(hostile_data(data))
    for key, figure in figures.items():
        spec = json.loads(figure_json(figure))
        go.Figure(spec)  # raises ValueError on an invalid property or value
        assert spec["layout"]["template"]["layout"]["plot_bgcolor"] == "white", key
        assert spec["layout"]["width"] == 700, key
    assert figures["drivers"]["layout"]["annotations"], "the top drivers are named"
    heatmaps = [json.loads(figure_json(f)) for k, f in figures.items() if k.startswith("heatmap")]
    assert any(None in row for spec in heatmaps for row in spec["data"][0]["z"]), (
        "cells with too few mentions are blank (null, not NaN)"
    )


def test_reports_with_nothing_analysed_say_so(workspace: Config) -> None:
    from pipeline.jobs import ingest as ingest_jobs

    survey = Path("survey.csv")
    survey.write_text("id,date,score,comment\n1,2026-09-01,9,Fine\n", encoding="utf-8")
    ingest_jobs.ingest_files([survey], source="survey", cfg=workspace)
    paths = write_reports(workspace)
    page = paths.theme_report.read_text(encoding="utf-8")
    assert "No theme costs NPS points significantly yet." in page
    assert "Nobody to call back." in paths.cx_report.read_text(encoding="utf-8")
    assert paths.followups == 0


def test_report_command_writes_and_prints_paths(demo_workspace: Config, tmp_path) -> None:
    config = demo_workspace.warehouse.path.parent.parent / "verbatim.toml"
    out = tmp_path / "r"
    result = runner.invoke(app, ["report", "--config", str(config), "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert set(printed) == {"theme_report", "cx_report", "followups_csv", "followups"}
    for key in ("theme_report", "cx_report", "followups_csv"):
        assert Path(printed[key]).is_file()
        assert Path(printed[key]).parent == out
    plain = runner.invoke(app, ["report", "--config", str(config), "--out", str(out)])
    printed_paths = plain.output.replace("\n", "")  # Rich wraps long paths
    assert "theme report" in plain.output and str(out / "theme-report.html") in printed_paths


def test_report_without_warehouse_is_a_clear_error(workspace: Config) -> None:
    result = runner.invoke(app, ["report"])
    assert result.exit_code == 2
    assert "no warehouse yet" in result.output


# --- CSV injection ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-2+3", "'-2+3"),
        ("@cmd", "'@cmd"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("fine = good", "fine = good"),
        ("", ""),
    ],
)
def test_neutralise_formula(value: str, expected: str) -> None:
    assert neutralise_formula(value) == expected


def test_csv_exports_neutralise_formulas(workspace: Config) -> None:
    frame = pd.DataFrame(
        {
            "text": ['=HYPERLINK("http://evil","x")', "+1", "-1", "@SUM(1)", "plain", None],
            "amount": [-1.5, 2.0, -3.0, 4.0, 5.0, 6.0],
            "tags": [["=a"], ["b"], [], ["c"], ["d"], ["e"]],
        }
    )
    out = Path("export.csv")
    with Warehouse(workspace.warehouse.path) as warehouse:
        warehouse.export_frame(frame, out)
    with out.open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    assert [row["text"] for row in rows] == [
        "'=HYPERLINK(\"http://evil\",\"x\")", "'+1", "'-1", "'@SUM(1)", "plain", "",
    ]  # fmt: skip
    assert [row["amount"] for row in rows][:3] == ["-1.5", "2.0", "-3.0"]  # numbers untouched
    assert all(not row["tags"].startswith(("=", "+", "-", "@")) for row in rows)


def test_followup_csv_neutralises_hostile_comments(reports) -> None:
    text = reports.followups_csv.read_text(encoding="utf-8")
    with reports.followups_csv.open(encoding="utf-8", newline="") as file:
        cells = [cell for row in csv.reader(file) for cell in row]
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)
    assert re.search(r"^'[=+\-@]", text, re.MULTILINE) or re.search(r",\"?'[=+\-@]", text)
