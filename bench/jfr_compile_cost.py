#!/usr/bin/env python3
"""What the JIT compiled in a window of a JFR recording, against how much the compiled code then ran.

Record with every compilation kept (the `profile` settings keep only those above 100 ms):

    # /tmp/comp0.jfc: a copy of $JAVA_HOME/lib/jfr/profile.jfc, jdk.Compilation's threshold set to 0 ms
    mkdir -p /tmp/jfr
    BENCH_JAVA_OPTS="-XX:StartFlightRecording=filename=/tmp/jfr,settings=/tmp/comp0.jfc,dumponexit=true" \
        bench/run rewards ...
    jfr print --json --stack-depth 64 --events jdk.ExecutionSample,jdk.Compilation \
        /tmp/jfr/hotspot-pid-<the bench's pid>-*.jfr > rec.json
    bench/jfr_compile_cost.py rec.json --from 12:12:39 --to 12:13:04

`filename` a directory: each JVM (the rewards bench starts a child for its cold floor) writes a file of its
own, named by its pid; dumped into one file, two JVMs' recordings garble the method names. The window is
the timed run's: its length is in the bench's log, and Spark's log lines there give the clock.

Each execution sample is counted for the compiled method whose code was running: the first frame, from
the top, that is not inlined into another. A method that C2 compiled and that then appears in no sample
ran for less than about one sampling period per thread. (`--stack-depth 64`: `jfr print` gives a sample's top 5
frames by default, and a sample whose top five frames are all inlined would count for no method.)
"""
import argparse
import collections
import json


def seconds(duration):
    d = duration.replace("PT", "").replace("S", "")
    if "M" in d:
        minutes, rest = d.split("M")
        return int(minutes) * 60 + float(rest)
    return float(d)


def name(method):
    return method["type"]["name"].replace("/", ".") + "." + method["name"]


def in_window(values, start, end):
    """Whether an event began between two HH:MM:SS times (UTC, as jfr prints), both included."""
    return start <= values["startTime"][11:19] <= end


def family(method_name, depth):
    parts = method_name.split(".")
    return ".".join(parts[:max(1, min(len(parts) - 2, depth))])


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("recording",
                   help="output of jfr print --json --stack-depth 64 --events jdk.ExecutionSample,jdk.Compilation")
    p.add_argument("--from", dest="start", required=True, help="window start, HH:MM:SS (UTC, as jfr prints)")
    p.add_argument("--to", dest="end", required=True, help="window end, HH:MM:SS")
    p.add_argument("--depth", type=int, default=3, help="package depth of the families (default 3)")
    a = p.parse_args()
    events = json.load(open(a.recording))["recording"]["events"]
    c2 = collections.Counter()
    c1 = 0.0
    ran = collections.Counter()
    samples = 0
    for e in events:
        v = e["values"]
        if not in_window(v, a.start, a.end):
            continue
        if e["type"] == "jdk.Compilation":
            if v["compileLevel"] == 4:
                c2[name(v["method"])] += seconds(v["duration"])
            else:
                c1 += seconds(v["duration"])
        elif e["type"] == "jdk.ExecutionSample" and v["stackTrace"]:
            samples += 1
            for f in v["stackTrace"]["frames"]:
                if f["type"] != "Inlined":
                    ran[name(f["method"])] += 1
                    break
    print(f"window {a.start}-{a.end}: {samples} execution samples; C2 {sum(c2.values()):.2f} s in {len(c2)} methods,"
          f" C1 {c1:.2f} s")
    print("\nC2 time by how often the method's compiled code was then sampled")
    buckets = [("no sample", 0, 0), ("1", 1, 1), ("2-5", 2, 5), ("6-20", 6, 20), ("more than 20", 21, 1 << 62)]
    for label, lo, hi in buckets:
        chosen = [m for m in c2 if lo <= ran[m] <= hi]
        print(f"  {label:>13}: {sum(c2[m] for m in chosen):6.2f} s, {len(chosen)} methods")
    print(f"\nC2 time by family (package depth {a.depth}): in all, on methods sampled at most once, samples")
    total = collections.Counter()
    cold = collections.Counter()
    sampled = collections.Counter()
    for m, t in c2.items():
        total[family(m, a.depth)] += t
        if ran[m] <= 1:
            cold[family(m, a.depth)] += t
    for m, n in ran.items():
        sampled[family(m, a.depth)] += n
    for f in sorted(total, key=lambda f: -total[f])[:30]:
        print(f"  {f[:60]:60} {total[f]:6.2f} s {cold[f]:6.2f} s {sampled[f]:6d}")


if __name__ == "__main__":
    main()
