"""The exploration notebook runs top to bottom on an analysed demo workspace (nbclient)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import Config

pytestmark = pytest.mark.slow

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "01-explore-themes.ipynb"


def test_explore_themes_notebook_runs(demo_workspace: Config) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code"), (
        "the notebook is stored without outputs"
    )
    root = demo_workspace.warehouse.path.parent.parent
    client = nbclient.NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(root)}},
    )
    client.execute()
    outputs = [out for cell in notebook.cells if cell.cell_type == "code" for out in cell.outputs]
    assert not [out for out in outputs if out.output_type == "error"]
    text = "\n".join(
        out.get("text", "") or str(out.get("data", {}).get("text/plain", "")) for out in outputs
    )
    assert str(demo_workspace.warehouse.path) in text
    assert "Verbatim run summary" in text
    figures = [out for out in outputs if "application/vnd.plotly.v1+json" in out.get("data", {})]
    assert len(figures) == 2
