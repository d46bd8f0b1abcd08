#!/usr/bin/env python3
"""Where the running Java threads of a window of a JFR recording were, by part of `poa rewards`' or `poa ingest`'s
work.

Record a bench with execution samples (the `profile` settings sample every 10 ms), one file per JVM:

    mkdir -p /tmp/jfr
    BENCH_DRIVER_MEMORY=1536m \
    BENCH_JAVA_OPTS="-XX:StartFlightRecording=filename=/tmp/jfr,settings=profile,dumponexit=true" \
        bench/run rewards --recipients 1000000
    jfr print --json --stack-depth 64 --events jdk.ExecutionSample \
        /tmp/jfr/hotspot-pid-<the bench's pid>-*.jfr > samples.json
    bench/jfr_cpu_by_part.py samples.json --from 18:49:05 --to 18:49:28 [--show "hash aggregation"]

and `--stage ingest` for a recording of `bench/run ingest`. `--stack-depth 64` prints the whole stacks JFR
records (64 frames by default); without it `jfr print` gives each sample's top 5 frames, which seldom reach the
operator a sample ran in, and the script says so. The window is one timed run's, or a phase of it (its length
and its phases' progress lines are in the bench's log).

Each sample goes to the innermost part that one of its frames names, reading from the top of the stack: a
sample of a part nested in another (a leaf hash inside a Spark projection, a sort under an aggregation, an
upstream operator under a shuffle write or a cache build) counts for the inner one. Where one frame names two
parts, the first in the stage's list wins; a part may also ask for a caller (the Keccak-256 permutation is a
leaf's hash or a tree node's by the frames below it). The catch-all parts (Spark SQL, Spark core, Iceberg)
count a sample only when no other part is named anywhere in its stack. Stacks that JFR could not walk to their
bottom count for what they show. `--show PART` lists the top frames of that part's samples.
"""
import argparse
import collections
import json
import sys

from jfr_compile_cost import in_window, name

# (part, a substring of a frame's class and method name[, a substring that another frame of the stack must have]):
# see part_of
REWARDS = [
    ("keccak-256: the leaf hashes (executors)", "Keccak256", "StandardMerkleTree.leafHash"),
    ("keccak-256: the tree's nodes (driver)", "Keccak256", "Keccak256.hashPair"),
    ("keccak-256: other", "Keccak256"),
    ("manifest file written (driver)", "MerkleDump"),
    ("manifest file written (driver)", "Derivation.writeManifest"),
    ("manifest file written (driver)", "ReadAheadRows"),
    ("fee split, poa's code (executors)", "RewardsJob.splitRequest"),
    ("fee split, poa's code (executors)", "FeeSplit"),
    ("fee split, poa's code (executors)", "LargestRemainder"),
    ("tree built from the hashes (driver)", "StandardMerkleTree"),
]

INGEST = [
    ("MinHash signatures and shingle sets (poa)", "dev.poa.udfs.MinHash"),
    ("MinHash signatures and shingle sets (poa)", "dev.poa.udfs.XxHash64"),
    ("text normalised and tokenised (poa)", "dev.poa.udfs.TextNormalizer"),
    ("text normalised and tokenised (poa)", "dev.poa.udfs.Tokenizer"),
    ("records validated (poa)", "dev.poa.udfs.SubmissionValidator"),
    ("records validated (poa)", "dev.poa.udfs.Addresses"),
    ("records validated (poa)", "dev.poa.udfs.Spdx"),
    ("records validated (poa)", "dev.poa.jobs.ingest.Validation"),
    ("records read and parsed (files, JSON)", "dev.poa.jobs.ingest.RawRecords"),
    ("records read and parsed (files, JSON)", "dev.poa.udfs.JsonRecords"),
    ("records read and parsed (files, JSON)", "com.fasterxml.jackson"),
    ("Spark's UDF calls (ScalaUDF), other", "ScalaUDF"),
    ("Spark's interpreted projections and predicates (no code generation)", "InterpretedUnsafeProjection"),
    ("Spark's interpreted projections and predicates (no code generation)", "InterpretedMutableProjection"),
    ("Spark's interpreted projections and predicates (no code generation)", "InterpretedPredicate"),
    ("verification: array_intersect", "ArrayIntersect"),
    ("sort-merge join", "SortMergeJoin"),
]

# what every stage's work has: Spark's and Iceberg's parts
COMMON = [
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
    ("sort", "SpecificOrdering"),  # the generated comparisons of a sort's (or a range partitioning's) keys
    ("sort-based aggregation", "SortAggregateExec"),
    ("sort-based aggregation", "AggregationIterator"),
    ("shuffle written", "ShuffleWriter"),
    ("shuffle written", "DiskBlockObjectWriter"),
    ("shuffle read", "ShuffleBlockFetcherIterator"),
    ("shuffle read", "BlockStoreShuffleReader"),
    ("shuffle written", "UnsafeRowSerializerInstance$$anon$1"),  # its serialization stream
    ("shuffle read", "UnsafeRowSerializerInstance$$anon$2"),  # its deserialization stream
    ("rows converted to and from Java objects", "ExpressionEncoder"),
    ("rows converted to and from Java objects", "SafeProjection"),
    ("rows converted to and from Java objects", "CatalystTypeConverters"),
    ("Spark's generated code, other", "GeneratedIteratorForCodegenStage"),
    ("Spark's generated code, other", "GeneratedClass"),
]

# counted only when a stack names no other part: nearly every stack has their frames somewhere
CATCH_ALL = [
    ("Spark SQL, other (row accessors, planning)", "org.apache.spark.sql"),
    ("Spark core, other (scheduler, RPC, storage)", "org.apache.spark"),
    ("Iceberg, other (commits, metadata)", "org.apache.iceberg"),
]

STAGES = {"rewards": REWARDS + COMMON, "ingest": INGEST + COMMON}

# `jfr print`'s depth unless told otherwise
JFR_PRINT_DEFAULT_DEPTH = 5


def part_of(frames, parts):
    """The innermost part that a frame names, from the top of the stack; the catch-alls only when none is."""
    for tier in (parts, CATCH_ALL):
        for f in frames:
            for label, key, *context in tier:
                if key in f and (not context or any(context[0] in g for g in frames)):
                    return label
    return "other"


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("recording", help="output of jfr print --json --stack-depth 64 --events jdk.ExecutionSample")
    p.add_argument("--from", dest="start", required=True, help="window start, HH:MM:SS (UTC, as jfr prints)")
    p.add_argument("--to", dest="end", required=True, help="window end, HH:MM:SS")
    p.add_argument("--stage", choices=sorted(STAGES), default="rewards", help="whose parts (default rewards)")
    p.add_argument("--show", help="list the top frames of this part's samples")
    a = p.parse_args()
    parts = collections.Counter()
    threads = collections.Counter()
    shown = collections.Counter()
    samples = 0
    deepest = 0
    for e in json.load(open(a.recording))["recording"]["events"]:
        v = e["values"]
        if e["type"] != "jdk.ExecutionSample" or not v["stackTrace"]:
            continue
        if not in_window(v, a.start, a.end):
            continue
        frames = [name(f["method"]) for f in v["stackTrace"]["frames"]]
        part = part_of(frames, STAGES[a.stage])
        deepest = max(deepest, len(frames))
        samples += 1
        parts[part] += 1
        thread = (v.get("sampledThread") or {}).get("javaName") or "?"
        threads["executor tasks" if thread.startswith("Executor task launch") else thread] += 1
        if part == a.show:
            shown[" < ".join(f.rsplit(".", 2)[-2] + "." + f.rsplit(".", 1)[-1] for f in frames[:3])] += 1
    if samples and deepest <= JFR_PRINT_DEFAULT_DEPTH:
        print(f"warning: no stack has more than {deepest} frames: printed without jfr print --stack-depth 64?",
              file=sys.stderr)
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
