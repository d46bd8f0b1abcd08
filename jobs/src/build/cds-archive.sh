#!/usr/bin/env bash
# Writes target/poa-cds.jsa, the class-data sharing (CDS) archive of the poa JVM: the classes a poa
# command loads before doing its own work (Spark, Iceberg, Hadoop, Scala, Jackson, the catalog), parsed
# and verified once here, mapped by every later JVM that runs the same jar on the same classpath. A
# poa process starts in about half the CPU time with it (./poa and the tests' poa processes use it).
#
# Run by the build (jobs/pom.xml, package phase) after the shaded jar and provided-classpath.txt exist:
# one short training run of the CLI (a SQL query on a scratch lakehouse), dumped at exit. The archive is
# an optimisation: any failure here leaves no archive and the build goes on.
# Usage: cds-archive.sh <target dir> <java executable>
set -uo pipefail
target="$1"
java="$2"
jar="$(ls "$target"/poa-jobs-*-spark.jar 2>/dev/null | head -n 1)"
archive="$target/poa-cds.jsa"
work="$target/cds-training"
log="$target/cds-training.log"
rm -rf "$work" "$archive.tmp"
if [[ -z "$jar" || ! -f "$target/provided-classpath.txt" ]]; then
  echo "poa: no CDS archive (the shaded jar or provided-classpath.txt is missing)"
  exit 0
fi
# the classpath exactly as ./poa and the tests give it: an archive is only used with the one it was made with
# a query that starts Spark with poa's catalog, plans, shuffles and aggregates; it needs no table. (A
# run that also migrates a scratch lakehouse takes twice as long here and starts later runs no faster.)
if "$java" -XX:ArchiveClassesAtExit="$archive.tmp" -Xlog:cds=off,cds+dynamic=off -XX:TieredStopAtLevel=1 -Xmx1g \
    $(cat "$target/classes/poa/jvm-flags.txt") -cp "$jar:$(cat "$target/provided-classpath.txt")" dev.poa.cli.PoaCli \
    --warehouse "$work" sql "SELECT id % 2 AS k, count(*) AS n FROM range(10) GROUP BY 1" \
    > "$log" 2>&1 && [[ -s "$archive.tmp" ]]; then
  mv -f "$archive.tmp" "$archive"
  echo "poa: CDS archive $archive ($(du -m "$archive" | cut -f1) MB)"
else
  rm -f "$archive.tmp"
  echo "poa: no CDS archive (the training run failed, see $log); poa runs without it"
fi
rm -rf "$work"
exit 0
