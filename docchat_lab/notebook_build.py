"""Build the lesson notebooks from their percent-format sources, run them, store clean outputs.

`notebooks/src/NN_slug.py` is the source of `notebooks/NN_slug.ipynb`. Cells are separated by
`# %%` lines (`# %% [markdown]` for text, whose lines start with `# `). Building executes the
notebook in a fresh kernel of the current environment and keeps only deterministic metadata.
"""

import json
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat

KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
_MARKER = re.compile(r"^# %%(?P<markdown>\s*\[markdown\])?(?P<rest>.*)$")
_TAGS = re.compile(r"tags=(\[[^\]]*\])")
# `# %% build="api/deps.py:pagination,get_document"`: a build cell holding those stubs.
_BUILD = re.compile(r'build="(?P<file>[\w./]+):(?P<names>[\w,.]+)"')


@dataclass
class _Cell:
    kind: str
    lines: list[str]
    tags: list[str]
    build: str | None = None


def build_cell_source(spec: str) -> str:
    """`%%build <file>` and the stubs of the named definitions, as a fresh package has them.

    `Class.member` names give the class's header with only those members (the rest of the class
    is given, and a cell that holds some members writes only those).
    """
    from docchat_lab.stages import workspace

    relative, _, names = spec.partition(":")
    stubs: list[str] = []
    members: dict[str, list[str]] = {}
    for name in names.split(","):
        stub = workspace.stub_of(relative, name)
        if stub is None:
            raise ValueError(f"build cell: {relative} has no definition {name!r}")
        owner, _, member = name.partition(".")
        if not member:
            stubs.append(stub.rstrip("\n"))
        elif owner not in members:
            members[owner] = [stub.rstrip("\n")]
            stubs.append(owner)  # the class's place among the cell's definitions
        else:
            members[owner].append(stub.rstrip("\n"))
    for owner, bodies in members.items():
        header = _class_header(workspace.stub_of(relative, owner) or "")
        stubs[stubs.index(owner)] = header + "\n" + "\n\n".join(bodies)
    return f"%%build {relative}\n" + "\n\n\n".join(stubs)


def _class_header(source: str) -> str:
    """A class's lines up to its first member (decorators and `class ...:`), comments dropped."""
    import ast

    node = ast.parse(source).body[0]
    assert isinstance(node, ast.ClassDef)
    lines = source.splitlines()[: node.body[0].lineno - 1]
    while lines and (not lines[-1].strip() or lines[-1].strip().startswith("#")):
        lines.pop()
    return "\n".join(lines)


def read_percent(path: Path) -> nbformat.NotebookNode:
    """Parse a percent-format script into an (unexecuted) notebook."""
    cells: list[_Cell] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _MARKER.match(line)
        if match:
            tags_match = _TAGS.search(match["rest"])
            tags = json.loads(tags_match[1]) if tags_match else []
            build_match = _BUILD.search(match["rest"])
            spec = f"{build_match['file']}:{build_match['names']}" if build_match else None
            cells.append(_Cell("markdown" if match["markdown"] else "code", [], tags, spec))
        elif cells:
            cells[-1].lines.append(line)
        elif line.strip():
            raise ValueError(f"{path}: text before the first '# %%' marker: {line!r}")
    nb = nbformat.v4.new_notebook()
    for index, cell in enumerate(cells):
        text = "\n".join(cell.lines).strip("\n")
        if cell.kind == "markdown":
            text = "\n".join(_unquote(line) for line in text.splitlines())
            node = nbformat.v4.new_markdown_cell(text)
        elif cell.build is not None:
            if text:
                raise ValueError(f"{path}: a build cell's code comes from docchat/, not the source")
            node = nbformat.v4.new_code_cell(build_cell_source(cell.build))
        else:
            node = nbformat.v4.new_code_cell(text)
        node.id = f"{path.stem[:40]}-{index:03d}"
        if cell.tags:
            node.metadata["tags"] = cell.tags
        nb.cells.append(node)
    nb.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}}
    return nb


def _unquote(line: str) -> str:
    if line.startswith("# "):
        return line[2:]
    if line.startswith("#"):
        return line[1:]
    raise ValueError(f"markdown line does not start with '#': {line!r}")


def clean(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop volatile metadata (timings, versions) so a rebuild changes nothing it needn't."""
    nb.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}}
    for cell in nb.cells:
        cell.metadata = {k: v for k, v in cell.metadata.items() if k == "tags"}
        if cell.cell_type == "code":
            for output in cell.outputs:
                if "metadata" in output:
                    output["metadata"] = {}
    return nb


def execute(nb: nbformat.NotebookNode, cwd: Path, timeout: int = 180) -> nbformat.NotebookNode:
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    # ipc sockets in a folder of their own: no TCP ports, and nothing left beside the notebook.
    sockets = tempfile.mkdtemp(prefix="kernel-ipc-")
    manager = KernelManager(kernel_name="python3", transport="ipc", ip=f"{sockets}/kernel")
    try:
        client = NotebookClient(
            nb,
            km=manager,
            timeout=timeout,
            kernel_name="python3",
            # One stream output per run of prints: how the kernel splits them depends on timing.
            coalesce_streams=True,
            resources={"metadata": {"path": str(cwd)}},
        )
        client.execute()
    finally:
        if manager.has_kernel:  # the client leaves a manager it was given running
            manager.shutdown_kernel(now=True)
        shutil.rmtree(sockets, ignore_errors=True)
    return nb


def build(source: Path, target: Path, *, run: bool = True) -> Path:
    import os

    # Stored outputs come from the reference edition: each stage's finished code, not a stub.
    os.environ.setdefault("DOCCHAT_LAB_EDITION", "reference")
    nb = read_percent(source)
    if run:
        execute(nb, target.parent)
    nbformat.validate(nb)
    target.write_text(nbformat.writes(clean(nb)) + "\n", encoding="utf-8")
    return target


def sources_match(source: Path, target: Path) -> list[str]:
    """Differences between a notebook's cells and its source; empty when in step."""
    built = read_percent(source)
    stored = nbformat.read(target, as_version=4)
    problems: list[str] = []
    if len(built.cells) != len(stored.cells):
        problems.append(f"{target.name}: {len(stored.cells)} cells, source has {len(built.cells)}")
    for index, (want, have) in enumerate(zip(built.cells, stored.cells, strict=False)):
        if (want.cell_type, want.source) != (have.cell_type, have.source):
            problems.append(f"{target.name} cell {index}: differs from {source.name}")
    return problems


def notebook_pairs(notebooks_dir: Path) -> list[tuple[Path, Path]]:
    return [
        (src, notebooks_dir / f"{src.stem}.ipynb")
        for src in sorted((notebooks_dir / "src").glob("[0-9A][0-9]_*.py"))
    ]


def metadata_problems(path: Path) -> list[str]:
    """Stray metadata, unexecuted cells or stored errors: what a clean rebuild never leaves."""
    nb = nbformat.read(path, as_version=4)
    problems: list[str] = []
    if nb.metadata != {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}}:
        problems.append(f"{path.name}: notebook metadata {dict(nb.metadata)}")
    expected_count = 0
    for index, cell in enumerate(nb.cells):
        extra = set(cell.metadata) - {"tags"}
        if extra:
            problems.append(f"{path.name} cell {index}: stray metadata {sorted(extra)}")
        if cell.cell_type != "code":
            continue
        expected_count += 1
        if cell.execution_count != expected_count:
            problems.append(f"{path.name} cell {index}: execution_count {cell.execution_count}")
        for output in cell.outputs:
            if output.output_type == "error":
                problems.append(f"{path.name} cell {index}: stored error {output.ename}")
    return problems
