#!/usr/bin/env python3
"""Re-computes, outside poa, which spans of the span evaluations would count under a grid of
informativeness thresholds: how the comparison of rules in docs/attribution.md was measured.

Reads a span evaluation's scratch files (`poa eval attribution --work-dir DIR` leaves
DIR/contributions.jsonl and DIR/logs.jsonl for the synthetic set, DIR/real-text/... for the real
one), re-implements the matching (lower-cased tokens: runs of word characters or one other
non-space character; maximal runs of shared 8-grams; df = contributions holding the span's rarest
8-gram) and the rule (spans held by at most --max-df contributions; distinct words >= W;
information >= I x ln(N + 1)), and prints, per (W, I), how many quoting completions and controls
of the real set, and quoting completions of the synthetic set, keep a span.

--words content: every content token is a word (>= 2 characters, not all digits/underscores);
--words neighbour (poa's rule): a content token next to another content token.

usage: tools/eval-material/rule_grid.py REAL_DIR SYNTHETIC_DIR [--words neighbour|content] [--max-df 2]
"""
import collections
import json
import math
import re
import sys

TOKEN = re.compile(r"\w+|[^\w\s]")
N_GRAM = 8


def tokens(s):
    return [t.lower() for t in TOKEN.findall(s)]


def content(t):
    return len(t) >= 2 and re.search(r"[^\d_]", t) is not None


def features(work, neighbour):
    docs = [tokens(json.loads(l)["content"]) for l in open(work + "/contributions.jsonl")]
    n = len(docs)
    df = collections.Counter()
    for d in docs:
        df.update(set(d))
    index = collections.defaultdict(set)
    for i, d in enumerate(docs):
        for k in range(len(d) - N_GRAM + 1):
            index[tuple(d[k:k + N_GRAM])].add(i)
    rows = []
    for line in open(work + "/logs.jsonl"):
        log = json.loads(line)
        q = tokens(log["completion"])
        spans, k = [], 0
        while k <= len(q) - N_GRAM:
            if tuple(q[k:k + N_GRAM]) not in index:
                k += 1
                continue
            j = k
            while j + 1 <= len(q) - N_GRAM and tuple(q[j + 1:j + 1 + N_GRAM]) in index:
                j += 1
            span = q[k:j + N_GRAM]
            span_df = min(len(index[tuple(q[m:m + N_GRAM])]) for m in range(k, j + 1))
            c = [content(t) for t in span]
            if neighbour:
                words = {t for m, t in enumerate(span)
                         if c[m] and ((m > 0 and c[m - 1]) or (m + 1 < len(span) and c[m + 1]))}
            else:
                words = {t for m, t in enumerate(span) if c[m]}
            info = sum(math.log((n + 1) / (df[t] + 1)) for t in words) / math.log(n + 1)
            spans.append((span_df, len(words), info))
            k = j + 1
        rows.append((log["request_id"], spans))
    return rows


def main():
    args = sys.argv[1:]
    neighbour = (args[args.index("--words") + 1] if "--words" in args else "neighbour") == "neighbour"
    max_df = int(args[args.index("--max-df") + 1]) if "--max-df" in args else 2
    real, synthetic = features(args[0], neighbour), features(args[1], neighbour)

    def kept(spans, w, i):
        return any(d <= max_df and nw >= w and info >= i for d, nw, info in spans)

    print("min-words min-information | real: quoting kept, controls kept | synthetic: quoting kept")
    for w in range(4, 9):
        for i in (0, 0.5, 1, 1.5, 2):
            rp = sum(kept(s, w, i) for r, s in real if r.startswith("planted"))
            rc = sum(kept(s, w, i) for r, s in real if r.startswith("control"))
            sp = sum(kept(s, w, i) for r, s in synthetic if int(r.split("-")[1]) < 150)
            print(f"{w} {i} | {rp} {rc} | {sp}")


if __name__ == "__main__":
    main()
