"""Unit tests of bench/jfr_cpu_by_part.py: which part a sample's stack goes to, and the warning about shallow stacks.

Run: python3 -m unittest discover -s bench -p 'test_*.py'
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

from jfr_cpu_by_part import STAGES, part_of

REWARDS = STAGES["rewards"]
INGEST = STAGES["ingest"]


class PartOf(unittest.TestCase):
    def test_a_permutation_is_a_leaf_hash_or_a_node_by_its_caller(self):
        permute = "dev.poa.udfs.rewards.Keccak256.permute"
        leaf = [permute, "dev.poa.udfs.rewards.Keccak256.hash", "dev.poa.udfs.rewards.StandardMerkleTree.leafHash",
                "org.apache.spark.sql.catalyst.expressions.ScalaUDF.eval"]
        node = [permute, "dev.poa.udfs.rewards.Keccak256.hashPair", "dev.poa.udfs.rewards.StandardMerkleTree.build"]
        self.assertEqual(part_of(leaf, REWARDS), "keccak-256: the leaf hashes (executors)")
        self.assertEqual(part_of(node, REWARDS), "keccak-256: the tree's nodes (driver)")
        self.assertEqual(part_of([permute, "dev.poa.jobs.Other.run"], REWARDS), "keccak-256: other")

    def test_the_innermost_part_wins_whatever_the_list_order(self):
        # the cache build comes before the hash aggregation in the list; the aggregation runs inside the build here
        stack = ["org.apache.spark.unsafe.map.BytesToBytesMap.safeLookup",
                 "org.apache.spark.sql.execution.UnsafeFixedWidthAggregationMap.getAggregationBuffer",
                 "org.apache.spark.sql.execution.columnar.BasicColumnBuilder.appendFrom",
                 "org.apache.spark.shuffle.sort.BypassMergeSortShuffleWriter.write"]
        self.assertEqual(part_of(stack, REWARDS), "hash aggregation")
        self.assertEqual(part_of(stack[2:], REWARDS), "in-memory cache built")
        self.assertEqual(part_of(stack[3:], REWARDS), "shuffle written")

    def test_a_frame_naming_two_parts_goes_to_the_first_listed(self):
        frame = ("org.apache.spark.sql.catalyst.expressions.GeneratedClass$GeneratedIteratorForCodegenStage1"
                 ".hashAgg_doConsume_0$")
        self.assertEqual(part_of([frame], REWARDS), "hash aggregation")

    def test_the_catch_alls_count_only_stacks_that_name_no_other_part(self):
        accessor = "org.apache.spark.sql.catalyst.expressions.UnsafeRow.getLong"
        self.assertEqual(part_of([accessor, "org.apache.spark.sql.execution.SortExec.doExecute",
                                  "org.apache.spark.sql.execution.UnsafeExternalRowSorter.sort"], REWARDS), "sort")
        self.assertEqual(part_of([accessor, "org.apache.spark.scheduler.Task.run"], REWARDS),
                         "Spark SQL, other (row accessors, planning)")
        self.assertEqual(part_of(["java.lang.Thread.run"], REWARDS), "other")

    def test_a_stage_has_its_own_parts(self):
        stack = ["dev.poa.udfs.MinHash.shingles", "org.apache.spark.sql.catalyst.expressions.ScalaUDF.eval",
                 "org.apache.spark.sql.catalyst.expressions.InterpretedUnsafeProjection.apply"]
        self.assertEqual(part_of(stack, INGEST), "MinHash signatures and shingle sets (poa)")
        self.assertEqual(part_of(stack[1:], INGEST), "Spark's UDF calls (ScalaUDF), other")
        self.assertEqual(part_of(stack, REWARDS), "Spark SQL, other (row accessors, planning)")


def recording(depth):
    """A jfr print --json recording of one execution sample whose stack has `depth` frames."""
    frame = {"method": {"type": {"name": "org/apache/spark/sql/X"}, "name": "m"}, "type": "JIT compiled"}
    return {"recording": {"events": [{"type": "jdk.ExecutionSample", "values": {
        "startTime": "2026-12-07T18:49:10.000000000Z", "sampledThread": {"javaName": "main"},
        "stackTrace": {"frames": [frame] * depth, "truncated": False}}}]}}


class ShallowStacks(unittest.TestCase):
    def run_script(self, depth):
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(recording(depth), f)
        try:
            script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "jfr_cpu_by_part.py")
            return subprocess.run([sys.executable, script, f.name, "--from", "18:49:00", "--to", "18:49:20"],
                                  capture_output=True, text=True, check=True)
        finally:
            os.unlink(f.name)

    def test_a_recording_printed_five_frames_deep_is_reported(self):
        out = self.run_script(5)
        self.assertIn("--stack-depth 64", out.stderr)
        self.assertIn("1 execution samples", out.stdout)

    def test_a_recording_printed_whole_is_not(self):
        self.assertEqual(self.run_script(6).stderr, "")


if __name__ == "__main__":
    unittest.main()
