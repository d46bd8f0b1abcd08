#!/usr/bin/env python3
"""Where the running Java threads of a window of a JFR recording were, by part of `poa rewards`' work.

Record a bench with execution samples (the `profile` settings sample every 10 ms), one file per JVM:

    mkdir -p /tmp/jfr
    BENCH_DRIVER_MEMORY=1536m \
    BENCH_JAVA_OPTS="-XX:StartFlightRecording=filename=/tmp/jfr,settings=profile,dumponexit=true" \
        bench/run rewards --recipients 1000000
    jfr print --json --events jdk.ExecutionSample /tmp/jfr/hotspot-pid-<the bench's pid>-*.jfr > samples.json
    bench/jfr_cpu_by_part.py samples.json --from 18:49:05 --to 18:49:28 [--show "hash aggregation"]

The window is one timed run's (its length is in the bench's log). Each sample goes to the first part, in the
order of PARTS, that one of its frames names; a sample of a part nested in another (a leaf hash inside a
Spark projection) counts for the inner one. Stacks that JFR could not walk to their bottom count for what
they show. `--show PART` lists the top frames of that part's samples.
"""
import argparse
import collections
import json

from jfr_compile_cost import in_window, name

# (part, a substring of a frame's class and method name), in order: the first that matches wins
PARTS = [
    ("keccak-256: the leaf hashes (executors)", "StandardMerkleTree.leafHash"),
    ("keccak-256: the tree's nodes (driver)", "Keccak256.hashPair"),
    ("keccak-256: other", "Keccak256"),
    ("manifest file written (driver)", "MerkleDump"),
    ("manifest file written (driver)", "Derivation.writeManifest"),
    ("manifest file written (driver)", "ReadAheadRows"),
    ("fee split, poa's code (executors)", "RewardsJob.splitRequest"),
    ("fee split, poa's code (executors)", "FeeSplit"),
    ("fee split, poa's code (executors)", "LargestRemainder"),
    ("tree built from the hashes (driver)", "StandardMerkleTree"),
    ("Parquet written", "SparkParquetWriters"),
    ("Parquet written", "parquet.hadoop.InternalParquetRecordWriter"),
    ("Parquet written", "parquet.column"),
    ("Iceberg tables read", "iceberg.arrow"),
    ("Iceberg tables read", "iceberg.spark.source.BaseReader"),
    ("Iceberg tables read", "ParquetFileReader"),
    ("in-memory cache built", "ColumnBuilder"),
    ("in-memory cache built", "columnar.compression"),
    ("in-memory cache built", "ColumnStats"),
    ("in-memory cache read", "ColumnAccessor"),
    ("in-memory cache read", "GeneratedColumnarIterator"),
    ("hash aggregation", "UnsafeFixedWidthAggregationMap"),
    ("hash aggregation", "hashAgg_"),
    ("hash aggregation", "BytesToBytesMap"),
    ("sort", "UnsafeExternalRowSorter"),
    ("sort", "UnsafeInMemorySorter"),
    ("sort", "UnsafeExternalSorter"),
    ("sort-based aggregation", "SortAggregateExec"),
    ("sort-based aggregation", "AggregationIterator"),
    ("shuffle written", "ShuffleWriter"),
    ("shuffle written", "DiskBlockObjectWriter"),
    ("shuffle read", "ShuffleBlockFetcherIterator"),
    ("shuffle read", "BlockStoreShuffleReader"),
    ("rows converted to and from Java objects", "ExpressionEncoder"),
    ("rows converted to and from Java objects", "SafeProjection"),
    ("rows converted to and from Java objects", "CatalystTypeConverters"),
    ("Spark's generated code, other", "GeneratedIteratorForCodegenStage"),
    ("Spark's generated code, other", "GeneratedClass"),
    ("Spark SQL, other (row accessors, planning)", "org.apache.spark.sql"),
    ("Spark core, other (scheduler, RPC, storage)", "org.apache.spark"),
    ("Iceberg, other (commits, metadata)", "org.apache.iceberg"),
]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("recording", help="output of jfr print --json --events jdk.ExecutionSample")
    p.add_argument("--from", dest="start", required=True, help="window start, HH:MM:SS (UTC, as jfr prints)")
    p.add_argument("--to", dest="end", required=True, help="window end, HH:MM:SS")
    p.add_argument("--show", help="list the top frames of this part's samples")
    a = p.parse_args()
    parts = collections.Counter()
    threads = collections.Counter()
    shown = collections.Counter()
    samples = 0
    for e in json.load(open(a.recording))["recording"]["events"]:
        v = e["values"]
        if e["type"] != "jdk.ExecutionSample" or not v["stackTrace"]:
            continue
        if not in_window(v, a.start, a.end):
            continue
        frames = [name(f["method"]) for f in v["stackTrace"]["frames"]]
        part = next((label for label, key in PARTS if any(key in f for f in frames)), "other")
        samples += 1
        parts[part] += 1
        thread = (v.get("sampledThread") or {}).get("javaName") or "?"
        threads["executor tasks" if thread.startswith("Executor task launch") else thread] += 1
        if part == a.show:
            shown[" < ".join(f.rsplit(".", 2)[-2] + "." + f.rsplit(".", 1)[-1] for f in frames[:3])] += 1
    print(f"window {a.start}-{a.end}: {samples} execution samples")
    print("by thread: " + ", ".join(f"{t} {n}" for t, n in threads.most_common(6)))
    print(f"\n| part | samples | share |\n|---|---:|---:|")
    for part, n in parts.most_common():
        print(f"| {part} | {n} | {100 * n / samples:.1f} % |")
    if a.show:
        print(f"\ntop frames of '{a.show}':")
        for frames, n in shown.most_common(15):
            print(f"  {n:5d} {frames}")


if __name__ == "__main__":
    main()
