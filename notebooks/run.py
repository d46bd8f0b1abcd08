"""notebooks/run: executes a notebook with papermill, then exports it to HTML (see the shell wrapper)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
NOTEBOOKS = sorted(p.stem for p in HERE.glob("*.ipynb"))


def parse(argv):
    p = argparse.ArgumentParser(
        prog="notebooks/run",
        description="Execute a poa notebook headless; writes OUT/NAME.ipynb (executed) and OUT/NAME.html."
        f" Notebooks: {', '.join(NOTEBOOKS)}.")
    p.add_argument("notebook", help="a notebook name or path, e.g. manifest_audit")
    p.add_argument("--warehouse", help="the lakehouse directory (embedded SQLite catalog)")
    p.add_argument("--catalog", action="append", default=[], metavar="KEY=VALUE",
                   help="a PyIceberg catalog property instead of --warehouse (repeat), e.g."
                   " uri=postgresql+psycopg2://user@host/iceberg or type=rest uri=https://...")
    p.add_argument("--catalog-name", default="poa", help="the catalog's name (poa.catalog; default poa)")
    p.add_argument("--epoch", help="the epoch (default: the latest finalised one)")
    p.add_argument("--rpc", help="an EVM node's URL: the audit also checks the root on chain")
    p.add_argument("--manifest", help="audit this manifest file instead of the one the epoch's row records")
    p.add_argument("--request-id", help="attribution_explorer: the inference to show")
    p.add_argument("--out", required=True, help="output directory")
    return p.parse_args(argv)


def main(argv):
    args = parse(argv)
    if not args.warehouse and not args.catalog:
        print("notebooks/run: give --warehouse DIR or --catalog KEY=VALUE", file=sys.stderr)
        return 2
    source = Path(args.notebook)
    if not source.suffix:
        source = HERE / (args.notebook + ".ipynb")
    if not source.is_file():
        print(f"notebooks/run: no notebook {args.notebook} (notebooks: {', '.join(NOTEBOOKS)})", file=sys.stderr)
        return 2
    properties = {}
    for kv in args.catalog:
        key, sep, value = kv.partition("=")
        if not sep:
            print(f"notebooks/run: --catalog {kv}: expected KEY=VALUE", file=sys.stderr)
            return 2
        properties[key] = value
    parameters = {"warehouse": str(Path(args.warehouse).resolve()) if args.warehouse else None,
                  "catalog_name": args.catalog_name, "catalog_properties": properties or None,
                  "epoch": args.epoch, "rpc_url": args.rpc, "manifest_file": args.manifest,
                  "request_id": args.request_id}

    import nbformat
    import papermill
    from nbconvert import HTMLExporter
    from papermill.exceptions import PapermillExecutionError

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    executed = out / (source.stem + ".ipynb")
    # only the parameters the notebook declares (papermill warns about the others)
    declared = papermill.inspect_notebook(str(source))
    error = None
    try:
        papermill.execute_notebook(str(source), str(executed), kernel_name="python3", cwd=str(HERE),
                                   progress_bar=False, log_output=False,
                                   parameters={k: v for k, v in parameters.items() if k in declared})
    except PapermillExecutionError as e:
        error = f"{e.ename}: {e.evalue}"
    html = out / (source.stem + ".html")
    if executed.exists():
        body, _ = HTMLExporter().from_notebook_node(nbformat.read(executed, as_version=4))
        html.write_text(body, encoding="utf-8")
    if error:
        print(f"notebooks/run: {source.stem} failed: {error}", file=sys.stderr)
        print(f"  executed notebook: {executed}; HTML: {html}", file=sys.stderr)
        return 1
    print(f"{source.stem}: ok; executed notebook {executed}, HTML {html}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
