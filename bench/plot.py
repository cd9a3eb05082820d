"""``python -m bench.plot``: median server time per page against dataset size, as a PNG.

Reads the newest ``bench/results/<stamp>-<size>-<db>.json`` of each size (or those named
with ``--results``) and draws one line per page over S, M, L (and XL when measured): a flat
line is the goal of issue 12 (cost independent of data size). Needs matplotlib (dev extra).

    python -m bench.plot --db postgres            # → docs/images/latency-by-size-postgres.png
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bench.report import RESULTS_DIR

SIZES = ("S", "M", "L", "XL")
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "docs" / "images"


def newest_results(db: str, *, directory: Path = RESULTS_DIR, since: str = "") -> dict:
    """``{size: result}``: the newest full (non-smoke) run of each size on ``db``."""
    found: dict[str, tuple[str, dict]] = {}
    for path in sorted(directory.glob(f"*-{db}.json")):
        stamp, size = path.name.split("-")[:2]
        if size not in SIZES or stamp < since:
            continue
        data = json.loads(path.read_text())
        if data.get("meta", {}).get("smoke") or "pages" not in data:
            continue
        found[size] = (stamp, data)
    return {size: data for size, (_stamp, data) in found.items()}


def series(results: dict) -> tuple[list[str], dict[str, list[float | None]]]:
    """Sizes present (in order) and, per page name, the median server ms at each size."""
    sizes = [size for size in SIZES if size in results]
    names: list[str] = []
    for size in sizes:
        for page in results[size]["pages"]:
            if page["name"] not in names:
                names.append(page["name"])
    lines = {}
    for name in names:
        values = []
        for size in sizes:
            page = next((p for p in results[size]["pages"] if p["name"] == name), None)
            values.append(page["server_ms"]["median"] if page else None)
        lines[name] = values
    return sizes, lines


def plot(results: dict, output: Path, *, db: str, budget_ms: float = 30.0) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes, lines = series(results)
    fig, ax = plt.subplots(figsize=(10, 6), dpi=100)
    x = list(range(len(sizes)))
    styles = ("-", "--", ":", "-.")
    for n, (name, values) in enumerate(lines.items()):
        points = [(i, v) for i, v in zip(x, values, strict=True) if v is not None]
        if points:
            ax.plot(
                *zip(*points, strict=True),
                marker="o",
                linewidth=1.2,
                label=name,
                linestyle=styles[n // 10 % len(styles)],
            )
    budget = f"budget {budget_ms:g} ms"
    ax.axhline(budget_ms, color="red", linestyle="--", linewidth=1, label=budget)
    labels = []
    for size in sizes:
        meta = results[size]["meta"]
        labels.append(f"{size}\n{meta['stamp'][:8]} · {meta.get('commit', '')}")
    ax.set_xticks(x, labels)
    ax.set_xlabel("dataset (PRODUCT.md §7; the benchmark client holds 10 % of the rows)")
    ax.set_ylabel("median server time per page, ms")
    ax.set_title(f"Client Portal and API: server time against dataset size ({db})")
    ax.set_ylim(bottom=0)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=7, ncol=2, loc="upper left")
    fig.tight_layout()
    output.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(output)
    plt.close(fig)
    return output


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="postgres", choices=["postgres", "sqlite"])
    parser.add_argument("--since", default="", help="ignore runs stamped before this")
    parser.add_argument("--output", type=Path)
    args = parser.parse_args(argv)
    results = newest_results(args.db, since=args.since)
    if not results:
        print(f"bench.plot: no results for {args.db} in {RESULTS_DIR}", file=sys.stderr)
        return 1
    output = args.output or DEFAULT_OUTPUT / f"latency-by-size-{args.db}.png"
    plot(results, output, db=args.db)
    for size, data in sorted(results.items(), key=lambda item: SIZES.index(item[0])):
        meta = data["meta"]
        print(f"bench.plot: {size} from {meta['stamp']} (commit {meta['commit']})")
    shown = output.relative_to(ROOT) if output.is_relative_to(ROOT) else output
    print(f"bench.plot: wrote {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
