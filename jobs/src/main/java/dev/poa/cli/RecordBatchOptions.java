package dev.poa.cli;

import java.util.List;
import picocli.CommandLine.Option;

/** The options of every command that ingests a batch of records (logs, gradients, attestations). */
final class RecordBatchOptions {
  @Option(names = "--input", required = true, arity = "1..*", paramLabel = "PATH", description = "Files, directories, globs or Hadoop URIs.")
  List<String> inputs;

  @Option(names = "--format", description = "jsonl, csv or parquet (default: from file names).")
  String format;

  @Option(names = "--batch-id", description = "Batch id (default: derived from the input files).")
  String batchId;
}
