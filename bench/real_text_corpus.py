#!/usr/bin/env python3
"""Builds a labelled near-duplicate corpus from real English text found on any machine: the
docstrings of the Python standard library (module, class and function docs of 300+ characters).

Each docstring is an original; a share of them get one variant of the kinds ingest must catch
(whitespace, case, boilerplate header/footer, <=1% word edits, small truncation). Originals that
are themselves near-identical (shared docstrings) are dropped first, so the labels are right.
Writes JSONL in poa's input contract with metadata.cluster = the original's id.

usage: bench/real_text_corpus.py OUT.jsonl [--max N] [--seed S]
"""
import ast
import json
import pathlib
import random
import re
import sys
import sysconfig

HEADER = "Submitted through the DataNet portal. Reviewed copy, do not redistribute.\n\n"
FOOTER = "\n\nEnd of document. Contact the data steward for questions."


def docstrings(root):
    for path in sorted(pathlib.Path(root).rglob("*.py")):
        if "test" in path.parts or "idlelib" in path.parts:
            continue
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except Exception:
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                doc = ast.get_docstring(node)
                if doc and len(doc) >= 300:
                    yield doc


def shingles(text, k=5):
    w = re.sub(r"\s+", " ", text.lower()).strip().split(" ")
    return {" ".join(w[i:i + k]) for i in range(max(1, len(w) - k + 1))}


def variant(rng, doc, kind):
    words = doc.split(" ")
    if kind == "whitespace":
        return "  " + "".join(w + (rng.choice(["\n\t ", "   "]) if rng.random() < 0.2 else " ") for w in words).rstrip() + "\n"
    if kind == "case":
        return doc.upper() if rng.random() < 0.5 else doc.lower()
    if kind == "boilerplate":
        return HEADER + doc + FOOTER
    if kind == "edits":
        for _ in range(max(1, len(words) // 100)):
            words[rng.randrange(len(words))] = rng.choice(["data", "model", "value", "result", "item"])
        return " ".join(words)
    if kind == "truncation":
        keep = len(words) - max(1, int(len(words) * rng.uniform(0.02, 0.05)))
        return " ".join(words[:keep])
    raise ValueError(kind)


def main():
    out = pathlib.Path(sys.argv[1])
    args = sys.argv[2:]
    max_docs = int(args[args.index("--max") + 1]) if "--max" in args else 5000
    rng = random.Random(int(args[args.index("--seed") + 1]) if "--seed" in args else 1)
    seen, originals, index = set(), [], {}
    for doc in docstrings(sysconfig.get_paths()["stdlib"]):
        key = re.sub(r"\s+", " ", doc.lower()).strip()
        if key in seen:
            continue
        sh = shingles(doc)
        # drop originals that are near-duplicates of an earlier one (LSH-free: first 3 shingles index)
        cand = set()
        for s in list(sh)[:50]:
            cand |= index.get(s, set())
        if any(len(sh & originals[c][1]) / len(sh | originals[c][1]) >= 0.5 for c in cand):
            continue
        seen.add(key)
        for s in sh:
            index.setdefault(s, set()).add(len(originals))
        originals.append((doc, sh))
        if len(originals) >= max_docs:
            break
    kinds = ["whitespace", "case", "boilerplate", "edits", "truncation"]
    lines = []
    for i, (doc, _) in enumerate(originals):
        cluster = f"stdlib/{i}"
        recs = [(doc, "original")]
        if rng.random() < 0.4:
            k = rng.choice(kinds)
            recs.append((variant(rng, doc, k), k))
        for j, (text, kind) in enumerate(recs):
            lines.append(json.dumps({
                "datanet": "python-docs",
                "contributor": "0x" + f"{(i * 7 + j) % 997:040x}",
                "content": text,
                "content_type": "text",
                "license": "Python-2.0",
                "submitted_at": f"2026-01-01T00:{(i // 60) % 60:02d}:{i % 60:02d}Z",
                "metadata": {"cluster": cluster, "variant": kind},
            }))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(originals)} originals, {len(lines)} records -> {out}")


if __name__ == "__main__":
    main()
