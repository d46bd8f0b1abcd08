# The garbage collector and heap ./poa and bench/run start the JVM with (sourced by both, so that the benches
# measure what poa runs).
#
# java_collector prints the collector option, or nothing when the options given name a collector of their own
# (two collectors make the JVM refuse to start). The throughput (parallel) collector: poa's commands are batch work, where a pause costs nothing and G1's
# concurrent marking costs one core of two. Spark's memory pages (16 MB sort pages, 4 MB broadcast chunks,
# 1 MB serialisation buffers) are humongous objects to G1 at a driver's heap size, and each one allocated
# while the cached leaves hold the heap above G1's threshold starts a marking cycle: 80-100 cycles in one
# rewards and audit run at 1.5 GB; with this collector, poa rewards ran 6 s faster (bench/RESULTS.md).
java_collector() {
  if [[ ! "${1:-}" =~ -XX:\+Use[A-Za-z0-9]+GC ]]; then
    echo "-XX:+UseParallelGC"
  fi
}

# The heap options for a heap of the given size (4g, 1536m): the initial heap is the whole heap. The parallel
# collector sizes its young generation as a third of the heap it starts with; from the JVM's default start
# (1/64 of the machine's memory) it grew it step by step, and the gradient stage at 12 GB spent its first
# 3 s of young collections in generations of a few hundred MB, each keeping 0.7-1 GB of live sketches
# (bench/RESULTS.md, 2026-12-05): the stage ran 1 s (5 %) faster with the whole heap from the start. The
# pages are committed, not touched: resident memory grows as before, with what the job allocates.
java_heap() {
  echo "-Xms$1 -Xmx$1"
}
