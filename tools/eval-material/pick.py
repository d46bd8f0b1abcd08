#!/usr/bin/env python3
"""Chooses, once, the real files of the real-text span evaluation (`poa eval attribution`) and
pins them: writes one line per file with its role, kind, root, path and sha256, so the evaluation
reads the same bytes on every machine that has them (Debian packages: libpython3.11-stdlib,
the packages' documentation under /usr/share/doc, their manual pages under /usr/share/man).

Roles: `contribution` files are submitted to the evaluation's DataNets; `filler` files are never
submitted, and completions take their realistic filler (and the controls all their text) from
them. Kinds: `code` (Python standard library modules), `doc` (READMEs, guides, Debian copyright
files with their shared licence texts), `man` (troff sources of manual pages: option synopses,
punctuation runs). This script is not run by the build; rerun it only to choose new material,
and commit its output.

usage: tools/eval-material/pick.py OUT.tsv [--seed S]
"""
import gzip
import hashlib
import pathlib
import random
import sys

ROOTS = {"stdlib": "/usr/lib/python3.11", "doc": "/usr/share/doc", "man": "/usr/share/man/man1"}
# (kind, root, contributions, fillers)
PLAN = [("code", "stdlib", 130, 50), ("doc", "doc", 110, 60), ("man", "man", 60, 40)]


def text(path):
    raw = path.read_bytes()
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
    return raw.decode("utf-8")


def candidates(kind, root):
    base = pathlib.Path(ROOTS[root])
    for p in sorted(base.rglob("*")):
        if not p.is_file() or p.is_symlink():
            continue
        rel = p.relative_to(base).as_posix()
        if kind == "code":
            if not rel.endswith(".py") or "test" in rel or "idlelib" in rel or "site-packages" in rel:
                continue
        elif kind == "doc":
            name = p.name.lower()
            if not (name == "copyright" or name.startswith("readme") or name.endswith((".md", ".txt", ".rst"))
                    or name.startswith(("readme", "news")) and name.endswith(".gz")):
                continue
        elif kind == "man":
            if not p.name.endswith(".1.gz"):
                continue
        try:
            t = text(p)
        except (UnicodeDecodeError, OSError, EOFError):
            continue
        if 1500 <= len(t) <= 200_000:
            yield rel, p


def main():
    out = pathlib.Path(sys.argv[1])
    args = sys.argv[2:]
    rng = random.Random(int(args[args.index("--seed") + 1]) if "--seed" in args else 20261201)
    lines = ["# role\tkind\troot\tpath\tsha256 (written by tools/eval-material/pick.py; do not edit)"]
    for kind, root, contributions, fillers in PLAN:
        found = list(candidates(kind, root))
        # one file per content: Debian ships the same copyright text under many packages
        seen, unique = set(), []
        for rel, p in found:
            h = hashlib.sha256(p.read_bytes()).hexdigest()
            if h not in seen:
                seen.add(h)
                unique.append((rel, h))
        chosen = rng.sample(unique, contributions + fillers)
        for i, (rel, h) in enumerate(chosen):
            role = "contribution" if i < contributions else "filler"
            lines.append(f"{role}\t{kind}\t{root}\t{rel}\t{h}")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines) - 1} files -> {out}")


if __name__ == "__main__":
    main()
