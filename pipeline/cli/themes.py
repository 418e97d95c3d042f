"""Theme commands: `verbatim themes list|show|rename|merge|hide|seed|apply|refit|assign`.

Also `verbatim eval themes`, which measures theme quality on labelled data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from pipeline.cli.sentiment import eval_app
from pipeline.cli.support import (
    ConfigOption,
    JsonOption,
    Source,
    cli_config,
    err,
    handled,
    out,
    print_json,
    run_reported,
)

themes_app = typer.Typer(
    help="Themes: list and inspect them, edit the codeframe (themes.yaml), refit.",
    no_args_is_help=True,
)
ThemeId = Annotated[int, typer.Argument(help="A theme id, as `verbatim themes list` shows.")]


@themes_app.command()
def topics(
    retired: Annotated[
        bool, typer.Option("--retired", help="Also topics no longer in use.")
    ] = False,
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """Every topic (what drivers, reports and follow-ups use) with its sub-themes."""
    from pipeline.jobs.topics import list_topics

    cfg = cli_config(config)
    with handled():
        rows = list_topics(cfg, include_retired=retired)
    if as_json:
        print_json(rows)
        return
    if not rows:
        out.print(
            "No topics yet: run `verbatim run` (or `verbatim themes refit`) first; "
            "themes.topics = false switches them off."
        )
        return
    table = Table("id", "topic", "kind", "units", "status", "sub-themes", title="Topics")
    for row in rows:
        subs = row["sub_themes"]
        shown = "; ".join(f"{s['label']} ({s['theme_id']})" for s in subs[:4])
        table.add_row(
            str(row["topic_id"]), f"[bold]{row['label']}[/]", row["kind"], f"{row['size']:,}",
            row["status"], shown + (f"; +{len(subs) - 4} more" if len(subs) > 4 else ""),
        )  # fmt: skip
    out.print(table)
    out.print(
        "Rename, hide or add topics in themes.yaml by id, as themes; `verbatim themes merge "
        "SUB-THEME TOPIC` moves a sub-theme under another topic.",
        style="dim",
    )


@themes_app.command("list")
def list_(
    retired: Annotated[
        bool, typer.Option("--retired", help="Also themes no longer fitted.")
    ] = False,
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """Every theme: id, label, parent, size, status and top keywords."""
    from pipeline.jobs.themes import list_themes

    cfg = cli_config(config)
    with handled():
        themes = list_themes(cfg, include_retired=retired)
    rows = themes
    if as_json:
        print_json(rows)
        return
    if not rows:
        out.print("No themes yet: run `verbatim themes refit` (or the nightly flow) first.")
        return
    table = Table("id", "theme", "units", "status", "keywords", title="Themes")
    children: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        if row["parent_id"] is not None:
            children.setdefault(row["parent_id"], []).append(row)
    shown: set[int] = set()

    def add(row: dict[str, Any], indent: str) -> None:
        shown.add(row["theme_id"])
        table.add_row(
            str(row["theme_id"]),
            indent + (f"[bold]{row['label']}[/]" if row["is_parent"] else row["label"]),
            f"{row['size']:,}",
            row["status"],
            ", ".join(row["keywords"][:5]),
        )

    for row in rows:
        if row["is_parent"]:
            add(row, "")
            for child in children.get(row["theme_id"], []):
                add(child, "  └ ")
    for row in rows:
        if row["theme_id"] not in shown:
            add(row, "")
    out.print(table)


@themes_app.command()
def show(theme_id: ThemeId, config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """One theme: label, keywords, quotes, children, lineage."""
    from pipeline.jobs.themes import show_theme

    cfg = cli_config(config)
    with handled():
        theme = show_theme(cfg, theme_id)
    if as_json:
        print_json(theme)
        return
    out.print(
        f"[bold]{theme['theme_id']} {theme['label']}[/] ({theme['status']}, {theme['size']:,} "
        f"units in {theme['records']:,} records; model {theme['model_version']})",
        highlight=False,
    )
    if theme["label"] != theme["auto_label"]:
        out.print(f"  found as: {theme['auto_label']}", highlight=False)
    if theme["parent_id"] is not None:
        out.print(f"  parent: {theme['parent_id']}", highlight=False)
    if theme["merged_into"] is not None:
        out.print(f"  merged into: {theme['merged_into']}", highlight=False)
    out.print(f"  keywords: {', '.join(theme['keywords'])}", highlight=False)
    for quote in theme["quotes"]:
        out.print(f"  “{quote}”", highlight=False)
    for child in theme["children"]:
        out.print(f"  └ {child['theme_id']} {child['label']} ({child['size']:,})", highlight=False)
    for event in theme["lineage"]:
        origin = f" from {event['from_theme_id']}" if event["from_theme_id"] is not None else ""
        out.print(
            f"  {event['model_version']}: {event['event']} {event['theme_id']}{origin}",
            highlight=False,
        )


def _edit(config: Path | None, change: Any, ids: list[int], done: str) -> None:
    from pipeline.jobs.themes import edit_codeframe

    cfg = cli_config(config)
    with handled():
        edit_codeframe(cfg, change, ids=ids)
    out.print(f"{done} (saved in {cfg.themes.codeframe}; kept across refits).", highlight=False)


@themes_app.command()
def rename(
    theme_id: ThemeId,
    name: Annotated[str, typer.Argument(help="The new label, e.g. 'Waiting time'.")],
    config: ConfigOption = None,
) -> None:
    """Give a theme a name of your own."""
    _edit(config, lambda c: c.renamed(theme_id, name), [theme_id], f"Theme {theme_id} renamed")


@themes_app.command()
def merge(
    source: Annotated[int, typer.Argument(help="The theme folded in (it disappears).")],
    target: Annotated[int, typer.Argument(help="The theme that takes its units.")],
    config: ConfigOption = None,
) -> None:
    """Fold one theme into another: its units count for the target from now on."""
    _edit(
        config,
        lambda c: c.merged(source, target),
        [source, target],
        f"Theme {source} merged into {target}",
    )


@themes_app.command()
def hide(
    theme_id: ThemeId,
    undo: Annotated[bool, typer.Option("--undo", help="Show the theme again.")] = False,
    config: ConfigOption = None,
) -> None:
    """Hide a theme from reports (its units keep it; `--undo` shows it again)."""
    _edit(
        config,
        (lambda c: c.unhidden(theme_id)) if undo else (lambda c: c.hidden(theme_id)),
        [theme_id],
        f"Theme {theme_id} {'shown again' if undo else 'hidden'}",
    )


@themes_app.command()
def seed(
    name: Annotated[str, typer.Argument(help="The seeded theme's name.")],
    phrases: Annotated[list[str], typer.Argument(help="Example phrases, any language.")],
    config: ConfigOption = None,
) -> None:
    """Ask for a theme by example phrases; it takes part from the next refit on."""
    from pipeline.themes.codeframe import load_codeframe, save_codeframe

    cfg = cli_config(config)
    with handled():
        codeframe = load_codeframe(cfg.themes.codeframe).seeded(name, phrases)
        save_codeframe(codeframe, cfg.themes.codeframe)
    out.print(
        f"Seeded theme {name!r} saved in {cfg.themes.codeframe}; run `verbatim themes refit`.",
        highlight=False,
    )


@themes_app.command()
def apply(config: ConfigOption = None) -> None:
    """Apply themes.yaml after editing it by hand (names, merges, hidden themes)."""
    from pipeline.jobs.themes import apply_codeframe_file

    cfg = cli_config(config)
    with handled():
        unknown = apply_codeframe_file(cfg)
    out.print(f"Applied {cfg.themes.codeframe}.", highlight=False)
    if unknown:
        err.print(
            f"[yellow]note:[/] no theme {', '.join(map(str, unknown))}; those edits are ignored",
            highlight=False,
        )


@themes_app.command()
def refit(
    fresh: Annotated[
        bool,
        typer.Option(
            "--fresh",
            help="Cluster from scratch; old themes only lend ids and names to matching ones.",
        ),
    ] = False,
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """Fit themes again on all units, keeping the ids and names of themes that persist.

    By default the refit starts from the themes in use and adds themes for new content that
    none of them covers; `--fresh` re-clusters everything and matches the result to the old
    themes by centroid similarity and keywords.
    """
    from pipeline.jobs.themes import fit_themes, load_theme_model

    cfg = cli_config(config)
    with handled():
        reason = "refit requested" if load_theme_model(cfg) else "first fit"
    run_reported(
        "fitting and assigning themes",
        lambda progress: fit_themes(
            cfg, reason=reason, fresh=fresh, on_progress=progress
        ).as_dict(),
        as_json=as_json,
        show=print_themes_report,
    )


@themes_app.command()
def assign(config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """Assign new units to the current themes (fit first when there is no model)."""
    from pipeline.jobs.themes import update_themes

    cfg = cli_config(config)
    run_reported(
        "assigning themes",
        lambda progress: update_themes(cfg, on_progress=progress).as_dict(),
        as_json=as_json,
        show=print_themes_report,
    )


def print_themes_report(report: dict[str, Any]) -> None:
    """Print what a theme run did."""
    if report["skipped"]:
        out.print(f"Themes skipped: {report['skipped']}", highlight=False)
        return
    if report["fitted"]:
        lineage = ", ".join(f"{event} {n}" for event, n in sorted(report["lineage"].items()))
        metrics = report["metrics"]
        out.print(
            f"Fitted themes {report['model_version']} ({report['reason']}): "
            f"{metrics.get('themes', 0)} themes under {metrics.get('parents', 0)} parents; "
            f"lineage: {lineage}.",
            highlight=False,
        )
    out.print(
        f"Assigned {report['units']:,} units: {report['assigned']:,} got a theme; "
        f"{100 * report['unassigned_share']:.1f}% of units with content have none. "
        f"Embeddings: {report['embedded']:,} computed, {report['reused_embeddings']:,} reused.",
        highlight=False,
    )
    if report.get("topics"):
        out.print(
            f"Topics: {report['topics']} (`verbatim themes topics`); "
            f"{100 * report['topic_coverage']:.1f}% of the units with content carry one.",
            highlight=False,
        )


@eval_app.command("themes")
def eval_themes(  # noqa: PLR0917 - typer passes options positionally
    data: Annotated[list[Path], typer.Option("--data", help="Labelled file(s).")],
    text_col: Annotated[str, typer.Option("--text-col", help="Column holding the text.")],
    label_col: Annotated[str, typer.Option("--label-col", help="Column holding the label.")],
    exclude: Annotated[
        list[str] | None,
        typer.Option("--exclude", help="A label whose rows are left out (repeatable)."),
    ] = None,
    label_sep: Annotated[
        str | None,
        typer.Option("--label-sep", help="Several labels per row, split at this string."),
    ] = None,
    source: Annotated[
        Source, typer.Option(help="Cleaning rules for the texts (social drops @mentions, URLs).")
    ] = Source.survey,
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """NMI, ARI, purity and theme count against gold labels; topic diversity, NPMI; topics."""
    from pipeline.ingest.labelled import read_labelled
    from pipeline.jobs.theme_eval import evaluate_themes

    cfg = cli_config(config)
    with handled():
        labelled = read_labelled(
            data,
            text_col=text_col,
            label_col=label_col,
            mapping={},
            allowed=None,
            exclude={label.strip().lower() for label in exclude or []},
        )
        if not labelled.texts:
            err.print("[bold red]error:[/] no labelled rows found", highlight=False)
            raise typer.Exit(2)
        gold: list[str | frozenset[str]] = [
            frozenset(part.strip() for part in label.split(label_sep) if part.strip())
            if label_sep
            else label
            for label in labelled.labels
        ]
        with err.status(f"Fitting themes on {len(labelled.texts):,} texts…"):
            result = evaluate_themes(cfg, labelled.texts, gold, source=source.value)
    result = {**result, "data": [str(p) for p in data], "skipped": labelled.skipped}
    if as_json:
        print_json(result)
        return
    out.print(
        f"{result['n']:,} texts, {result['n_themes']} themes (min size "
        f"{result['min_theme_size']}): NMI {result['nmi']:.3f}, ARI {result['ari']:.3f}, "
        f"purity {result['purity']:.3f}, coverage {result['coverage']:.3f}; topic diversity "
        f"{result['topic_diversity']:.3f}, NPMI {result['npmi_coherence']:.3f} "
        f"({result['seconds']} s, embedder {result['embedder']})",
        highlight=False,
    )
    parents = result["parents"]
    out.print(
        f"parents: {parents['n_themes']} themes, NMI {parents['nmi']:.3f}, purity "
        f"{parents['purity']:.3f}",
        highlight=False,
    )
    table = Table("label", "best theme share", title="How cleanly each label got a theme")
    for label, share in sorted(result["best_share"].items(), key=lambda kv: -kv[1]):
        table.add_row(label, f"{share:.2f}")
    out.print(table)
    topics = result.get("topics")
    if topics:
        out.print(
            f"topics: {topics['n_topics']} carried, NMI {topics['nmi']:.3f}, purity "
            f"{topics['purity']:.3f}, coverage {topics['coverage']:.3f}, two or more topics "
            f"{topics['multi_share']:.3f}",
            highlight=False,
        )
        best = Table("label", "best topic", "precision", "recall", "F1",
                     title="Each label's best topic")  # fmt: skip
        for label, row in sorted(topics["best_f1"].items(), key=lambda kv: -kv[1]["f1"]):
            best.add_row(label, row["topic"] or "-", f"{row['precision']:.2f}",
                         f"{row['recall']:.2f}", f"{row['f1']:.2f}")  # fmt: skip
        out.print(best)
