package dev.poa.schemas;

import static dev.poa.schemas.Column.optional;
import static dev.poa.schemas.Column.required;

import java.util.List;
import org.apache.iceberg.PartitionSpec;

/**
 * Every table of the lakehouse, in one place. A job names a table by its definition; the
 * {@link Lakehouse} creates it or migrates it to the version defined here.
 *
 * <p>To change a table, append a version (never edit an existing one): {@code poa migrate} applies
 * it in place on every lakehouse that is behind.
 */
public final class Tables {
  private Tables() {}

  public static final TableDefinition DATANETS =
      TableDefinition.builder("datanet", "datanets")
          .doc("Registered DataNets and their submission policy.")
          .layoutRationale("Tiny, read whole by every ingest: unpartitioned, one file.")
          .version(
              1,
              "initial",
              required("id", T.STRING, "slug: [a-z0-9][a-z0-9-]{1,62}"),
              optional("name", T.STRING, "display name"),
              optional("domain", T.STRING, "topic, e.g. medical, legal, code"),
              optional(
                  "license_policy",
                  T.list(T.STRING),
                  "SPDX ids accepted; empty or null = any valid SPDX id"),
              required("signatures_required", T.BOOLEAN, "reject rows without a valid signature"),
              required("created_at", T.TIMESTAMPTZ, "when the DataNet was registered"),
              optional("created_by", T.STRING, "cli or ingest (auto-registered with defaults)"))
          .build();

  public static final TableDefinition SUBMISSIONS =
      TableDefinition.builder("datanet", "submissions")
          .doc("One row per input record ever read, with its final state and reason.")
          .layoutRationale(
              "Partitioned by datanet and day of ingestion: reviews and reward jobs read one"
                  + " DataNet, and each batch lands in one day, so a batch writes few partitions"
                  + " and an audit of a batch prunes to them. Sorted by status and contributor"
                  + " so 'rejected rows' and 'rows of contributor X' skip most row groups.")
          .version(
              1,
              "initial",
              required("submission_id", T.STRING, "sha256(batch_id, source_file, source_line)"),
              required("batch_id", T.STRING, "ingest batch"),
              optional("datanet", T.STRING, "DataNet slug (null if the row had none)"),
              optional("contributor", T.STRING, "lower-case 0x address of the submitter"),
              optional("content_sha256", T.STRING, "hex sha256 of the content as given (UTF-8)"),
              optional("normalized_sha256", T.STRING, "hex sha256 of the normalised content"),
              optional("submitted_at", T.TIMESTAMPTZ, "submitted_at of the record"),
              required("ingested_at", T.TIMESTAMPTZ, "start of the ingest batch"),
              required("status", T.STRING, "accepted | duplicate | near_duplicate | rejected"),
              optional("contribution_id", T.STRING, "canonical contribution; null if rejected"),
              optional("reason", T.STRING, "machine-readable code when not accepted"),
              optional("message", T.STRING, "human-readable explanation when not accepted"),
              optional("similarity", T.DOUBLE, "Jaccard similarity to the canonical (near dups)"),
              required("source_file", T.STRING, "input file URI"),
              required("source_line", T.LONG, "1-based line (JSONL/CSV) or row (Parquet)"),
              required("source_format", T.STRING, "jsonl | csv | parquet"),
              optional("content_type", T.STRING, "text | code | transcript"),
              optional("license", T.STRING, "SPDX id"),
              optional("signature", T.STRING, "0x-hex EIP-191 signature, as given"),
              optional("metadata", T.stringMap(), "metadata as given"),
              optional("raw_record", T.STRING, "the input record, kept for rejected rows"),
              optional("raw_bytes", T.BINARY, "exact bytes when the record is not valid UTF-8"))
          .partitionedBy(
              s -> PartitionSpec.builderFor(s).identity("datanet").day("ingested_at").build())
          .sortedBy("status", "contributor", "submitted_at")
          .property("write.distribution-mode", "hash")
          .build();

  public static final TableDefinition CONTRIBUTIONS =
      TableDefinition.builder("datanet", "contributions")
          .doc("One row per distinct accepted contribution; duplicates map onto it.")
          .layoutRationale(
              "Partitioned by datanet: attribution and dedup read the contributions of one"
                  + " DataNet. Sorted by first_submitted_at so time-ranged reads prune files."
                  + " Not partitioned by time: a DataNet's contributions are read whole.")
          .version(
              1,
              "initial",
              required("contribution_id", T.STRING, "c_ + 32 hex of sha256(datanet, normalized)"),
              required("datanet", T.STRING, "DataNet slug"),
              required("contributor", T.STRING, "first submitter (lower-case 0x address)"),
              required("content", T.STRING, "content as first submitted"),
              required("content_type", T.STRING, "text | code | transcript"),
              required("license", T.STRING, "SPDX id"),
              required("content_sha256", T.STRING, "hex sha256 of content"),
              required("normalized_sha256", T.STRING, "hex sha256 of normalised content"),
              required("first_submitted_at", T.TIMESTAMPTZ, "submitted_at of the first submission"),
              required("first_submission_id", T.STRING, "submission that created it"),
              required("batch_id", T.STRING, "batch that created it"),
              required("token_count", T.INT, "tokens under the default tokenizer"),
              required("minhash", T.list(T.LONG), "MinHash signature of the normalised content"),
              required("submission_count", T.LONG, "submissions mapped to it (incl. itself)"),
              required("last_batch_id", T.STRING, "last batch that mapped a submission to it"),
              optional("metadata", T.stringMap(), "metadata of the first submission"))
          .partitionedBy(s -> PartitionSpec.builderFor(s).identity("datanet").build())
          .sortedBy("first_submitted_at", "contribution_id")
          .property("write.distribution-mode", "hash")
          // a batch's contributions of one DataNet are split between write tasks past 32 MB of
          // shuffled rows (Spark's adaptive rebalance); without it, each DataNet is one task
          .property("write.spark.advisory-partition-size-bytes", String.valueOf(32 << 20))
          .build();

  public static final TableDefinition INGEST_RUNS =
      TableDefinition.builder("datanet", "ingest_runs")
          .doc("One row per committed ingest batch; its presence marks the batch complete.")
          .layoutRationale("One row per batch: unpartitioned, read whole.")
          .version(
              1,
              "initial",
              required("batch_id", T.STRING, "batch id"),
              required("status", T.STRING, "committed"),
              required("started_at", T.TIMESTAMPTZ, "start"),
              required("finished_at", T.TIMESTAMPTZ, "end"),
              required("input_paths", T.list(T.STRING), "inputs as given"),
              required("input_fingerprint", T.STRING, "sha256 of (file, size, mtime) of each input"),
              required("source_format", T.STRING, "jsonl | csv | parquet"),
              required("rows_read", T.LONG, "records read"),
              required("accepted", T.LONG, "new contributions"),
              required("duplicate", T.LONG, "exact duplicates"),
              required("near_duplicate", T.LONG, "near duplicates"),
              required("rejected", T.LONG, "rejected"),
              optional("rejected_by_reason", T.longMap(), "rejected rows per reason code"),
              optional("snapshot_ids", T.longMap(), "table -> snapshot id this batch committed"),
              optional("settings", T.stringMap(), "dedup and validation settings used"))
          .build();

  public static final TableDefinition ADAPTERS =
      TableDefinition.builder("models", "adapters")
          .doc("Registered LoRA adapters.")
          .layoutRationale("Small, read whole: unpartitioned.")
          .version(
              1,
              "initial",
              required("adapter_id", T.STRING, "adapter id"),
              required("base_model", T.STRING, "base model name"),
              required("owner", T.STRING, "fine-tuner's address (lower-case 0x)"),
              required("datanets", T.list(T.STRING), "DataNets it was trained on"),
              required("rank", T.INT, "LoRA rank r"),
              required("alpha", T.DOUBLE, "LoRA alpha"),
              required("target_modules", T.list(T.STRING), "adapted modules"),
              required("artifact_uri", T.STRING, "where the PEFT files are"),
              required("training_set_source", T.STRING, "explicit | datanets"),
              optional("training_set_snapshot_id", T.LONG, "datanet.contributions snapshot it was resolved at"),
              required("training_set_size", T.LONG, "contributions in the training set"),
              required("registered_at", T.TIMESTAMPTZ, "registration time"))
          .build();

  public static final TableDefinition ADAPTER_TRAINING_SET =
      TableDefinition.builder("models", "adapter_training_set")
          .doc("The contributions each adapter was trained on.")
          .layoutRationale("Read by adapter: sorted by adapter_id, so a read of one adapter prunes row groups.")
          .version(
              1,
              "initial",
              required("adapter_id", T.STRING, "adapter"),
              required("contribution_id", T.STRING, "contribution in its training set"))
          .sortedBy("adapter_id", "contribution_id")
          .build();

  public static final TableDefinition INFERENCE_LOGS =
      TableDefinition.builder("serving", "inference_logs")
          .doc("Inferences served, one row per request_id, each in the epoch of its served_at.")
          .layoutRationale(
              "Partitioned by epoch: attribution and rewards read one epoch at a time. Sorted by"
                  + " adapter_id, served_at: attribution works per adapter.")
          .version(
              1,
              "initial",
              required("request_id", T.STRING, "request id (unique; repeats are dropped)"),
              required("adapter_id", T.STRING, "adapter that served it"),
              required("served_at", T.TIMESTAMPTZ, "when it was served"),
              required("epoch", T.STRING, "epoch id: UTC date of served_at, YYYY-MM-DD"),
              optional("prompt", T.STRING, "prompt"),
              required("completion", T.STRING, "completion"),
              required("fee_wei", T.WEI, "fee paid, in wei"),
              optional("gradient_sketch", T.list(T.FLOAT), "query gradient sketch"),
              optional("sketch_spec", T.STRING, "id of the sketch spec"),
              optional("metadata", T.stringMap(), "metadata as given"),
              required("batch_id", T.STRING, "log ingest batch"),
              required("source_file", T.STRING, "input file"),
              required("source_line", T.LONG, "line / row in it"),
              required("ingested_at", T.TIMESTAMPTZ, "start of the log ingest batch"))
          .partitionedBy(s -> PartitionSpec.builderFor(s).identity("epoch").build())
          .sortedBy("adapter_id", "served_at")
          .property("write.distribution-mode", "hash")
          .build();

  public static final TableDefinition INFERENCE_LOG_REJECTS =
      TableDefinition.builder("serving", "inference_log_rejects")
          .doc("Inference log records that were rejected, with the reason and the raw record.")
          .layoutRationale("Small and read by batch: unpartitioned.")
          .version(
              1,
              "initial",
              required("batch_id", T.STRING, "log ingest batch"),
              required("source_file", T.STRING, "input file"),
              required("source_line", T.LONG, "line / row in it"),
              optional("request_id", T.STRING, "request id, when it could be read"),
              required("reason", T.STRING, "reason code"),
              required("message", T.STRING, "what was wrong"),
              optional("raw_record", T.STRING, "the record as given"),
              required("ingested_at", T.TIMESTAMPTZ, "start of the batch"))
          .build();

  public static final TableDefinition LOG_INGEST_RUNS =
      TableDefinition.builder("serving", "log_ingest_runs")
          .doc("One row per committed log ingest batch; its presence marks the batch complete.")
          .layoutRationale("One row per batch: unpartitioned.")
          .version(
              1,
              "initial",
              required("batch_id", T.STRING, "batch id"),
              required("started_at", T.TIMESTAMPTZ, "start"),
              required("finished_at", T.TIMESTAMPTZ, "end"),
              required("input_paths", T.list(T.STRING), "inputs as given"),
              required("input_fingerprint", T.STRING, "sha256 of (file, size, mtime) of each input"),
              required("rows_read", T.LONG, "records read"),
              required("accepted", T.LONG, "new inference logs"),
              required("duplicate_request", T.LONG, "repeats of a request_id already seen, dropped"),
              required("rejected", T.LONG, "rejected records"),
              optional("rejected_by_reason", T.longMap(), "rejected records per reason"),
              optional("snapshot_ids", T.longMap(), "table -> snapshot id this batch committed"))
          .build();

  public static final TableDefinition TRAINING_GRADIENTS =
      TableDefinition.builder("models", "training_gradients")
          .doc("Gradient sketch of each training contribution of an adapter (one per pair).")
          .layoutRationale(
              "Read one adapter at a time by gradient attribution: sorted by adapter_id, so a read"
                  + " of one adapter prunes row groups. Unpartitioned: a few adapters per lakehouse.")
          .version(
              1,
              "initial",
              required("adapter_id", T.STRING, "adapter"),
              required("contribution_id", T.STRING, "contribution in the adapter's training set"),
              required("sketch", T.list(T.FLOAT), "projected per-example gradient (see docs/attribution.md: the sketch spec)"),
              required("sketch_spec", T.STRING, "rp1:k=<dimension>:seed=<seed>"),
              required("batch_id", T.STRING, "gradient ingest batch"),
              required("ingested_at", T.TIMESTAMPTZ, "start of the batch"))
          .sortedBy("adapter_id", "contribution_id")
          .build();

  public static final TableDefinition TRAINING_GRADIENT_REJECTS =
      TableDefinition.builder("models", "training_gradient_rejects")
          .doc("Training gradient records that were rejected or dropped, with the reason.")
          .layoutRationale("Small and read by batch: unpartitioned.")
          .version(
              1,
              "initial",
              required("batch_id", T.STRING, "gradient ingest batch"),
              required("adapter_id", T.STRING, "adapter given with --adapter"),
              required("source_file", T.STRING, "input file"),
              required("source_line", T.LONG, "line / row in it"),
              optional("contribution_id", T.STRING, "contribution id, when it could be read"),
              required("reason", T.STRING, "reason code"),
              required("message", T.STRING, "what was wrong"),
              optional("raw_record", T.STRING, "the record as given (without a long sketch)"),
              required("ingested_at", T.TIMESTAMPTZ, "start of the batch"))
          .build();

  public static final TableDefinition GRADIENT_INGEST_RUNS =
      TableDefinition.builder("models", "gradient_ingest_runs")
          .doc("One row per committed training gradient batch; its presence marks the batch complete.")
          .layoutRationale("One row per batch: unpartitioned.")
          .version(
              1,
              "initial",
              required("batch_id", T.STRING, "batch id"),
              required("started_at", T.TIMESTAMPTZ, "start"),
              required("finished_at", T.TIMESTAMPTZ, "end"),
              required("input_paths", T.list(T.STRING), "inputs as given"),
              required("input_fingerprint", T.STRING, "sha256 of (file, size, mtime) of each input"),
              required("rows_read", T.LONG, "records read"),
              required("accepted", T.LONG, "new sketches"),
              required("duplicate", T.LONG, "contributions that already had a sketch, dropped"),
              required("rejected", T.LONG, "rejected records"),
              optional("rejected_by_reason", T.longMap(), "rejected records per reason"),
              optional("snapshot_ids", T.longMap(), "table -> snapshot id holding the batch's rows"),
              required("adapter_id", T.STRING, "adapter given with --adapter"),
              optional("sketch_spec", T.STRING, "the adapter's sketch spec"))
          .build();

  public static final TableDefinition SPAN_DOCUMENTS =
      TableDefinition.builder("attribution", "span_documents")
          .doc("Contributions in the span index, with their tokens (verification reads them).")
          .layoutRationale(
              "Joined by contribution_id to verify matched spans: sorted by contribution_id."
                  + " Appended per index run, never rewritten: the index grows incrementally.")
          .version(
              1,
              "initial",
              required("contribution_id", T.STRING, "contribution"),
              required("datanet", T.STRING, "its DataNet"),
              required("tokens", T.list(T.STRING), "lower-cased tokens of the default tokenizer"),
              required("token_count", T.INT, "number of tokens"),
              required("ngram", T.INT, "n of the indexed n-grams"),
              required("index_run", T.STRING, "index run that added it"),
              required("indexed_at", T.TIMESTAMPTZ, "when it was indexed"))
          .sortedBy("contribution_id")
          .build();

  public static final TableDefinition SPAN_INDEX =
      TableDefinition.builder("attribution", "span_index")
          .doc("Every n-gram of every indexed contribution, by 64-bit hash (posting list rows).")
          .layoutRationale(
              "Probed by ngram_hash: bucketed on it so a probe reads 1/16 of the files, and sorted"
                  + " by it so min/max statistics skip row groups. Appended per index run.")
          .version(
              1,
              "initial",
              required("ngram_hash", T.LONG, "xxhash64 (seed 42) of the n tokens, as Spark's xxhash64(array)"),
              required("contribution_id", T.STRING, "contribution holding the n-gram"),
              required("position", T.INT, "0-based token position of the n-gram's first token"))
          .partitionedBy(s -> PartitionSpec.builderFor(s).bucket("ngram_hash", 16).build())
          .sortedBy("ngram_hash", "contribution_id", "position")
          .property("write.distribution-mode", "hash")
          .build();

  public static final TableDefinition SPAN_VOCABULARY =
      TableDefinition.builder("attribution", "span_vocabulary")
          .doc("Word document frequencies of each adapter's training set: how many of its training"
              + " contributions hold each token. Span attribution's informativeness rule reads it.")
          .layoutRationale(
              "Counted once per adapter (its training set is fixed at registration), the first time its"
                  + " spans are scored, and read for the few words of candidate spans: partitioned by"
                  + " adapter, sorted by token so min/max statistics skip row groups.")
          .version(
              1,
              "initial",
              required("adapter_id", T.STRING, "adapter"),
              required("token", T.STRING, "lower-cased token of the index's tokenizer"),
              required("documents", T.LONG, "training contributions of the adapter holding the token"),
              required("set_size", T.LONG, "training contributions of the adapter when counted"))
          .partitionedBy(s -> PartitionSpec.builderFor(s).identity("adapter_id").build())
          .sortedBy("token")
          .build();

  public static final TableDefinition SCORES =
      TableDefinition.builder("attribution", "scores")
          .doc(
              "Attribution of each inference to contributions. Shares of an attributed inference"
                  + " sum to 1. Gradient rows are the top-k contributions plus, per contributor, one"
                  + " row (contribution_id null) with the rest of that contributor's share.")
          .layoutRationale(
              "Partitioned by epoch and method: rewards read one epoch, and a run's rows land in its"
                  + " epoch's partitions (appended, published by the run's row in attribution.runs, then the"
                  + " rows of earlier runs are deleted). Sorted by request. Row groups of 8 MB and read splits of"
                  + " 16 MB: a run writes an epoch's rows of a method as one file (hash distribution by partition),"
                  + " and with the defaults (128 MB) a file below that size was one read task, however many cores"
                  + " read the epoch (its 63 MB at a million recipients); a read split holds whole row groups.")
          .version(
              1,
              "initial",
              required("epoch", T.STRING, "epoch id"),
              required("request_id", T.STRING, "inference"),
              required("adapter_id", T.STRING, "adapter that served it"),
              optional("contribution_id", T.STRING, "contribution; null = rest of the contributor's share"),
              required("contributor", T.STRING, "contributor address"),
              required("datanet", T.STRING, "DataNet of the contribution(s)"),
              required("method", T.STRING, "span | gradient"),
              required("score", T.DOUBLE, "raw score: span weight, or influence (before clipping)"),
              required("share", T.DOUBLE, "share of the inference's credit, in [0, 1]"),
              optional("rank", T.INT, "1 = top contribution; null for rest rows"))
          .version(
              2,
              "rows carry the attribution run that wrote them",
              optional("run_id", T.STRING, "attribution run that wrote the row; readers take the rows of the"
                  + " epoch's published run (attribution.runs); null = written before run ids"))
          .partitionedBy(s -> PartitionSpec.builderFor(s).identity("epoch").identity("method").build())
          .sortedBy("request_id", "rank")
          .property("write.distribution-mode", "hash")
          .property("write.parquet.row-group-size-bytes", String.valueOf(8 << 20))
          .property("read.split.target-size", String.valueOf(16 << 20))
          .build();

  public static final TableDefinition INFERENCE_SUMMARY =
      TableDefinition.builder("attribution", "inference_summary")
          .doc("One row per inference and method: attributed or not, its top contribution and fee.")
          .layoutRationale("Same partitions as attribution.scores, written and published with them.")
          .version(
              1,
              "initial",
              required("epoch", T.STRING, "epoch id"),
              required("request_id", T.STRING, "inference"),
              required("adapter_id", T.STRING, "adapter that served it"),
              required("method", T.STRING, "span | gradient"),
              required("attributed", T.BOOLEAN, "true when its shares sum to 1"),
              optional("unattributed_reason", T.STRING, "why not: no_span, no_positive_influence, ..."),
              optional("top_contribution", T.STRING, "contribution with the largest share"),
              optional("top_contributor", T.STRING, "its contributor"),
              optional("top_share", T.DOUBLE, "its share"),
              required("contributions", T.INT, "contributions with a share"),
              required("fee_wei", T.WEI, "fee of the inference"))
          .version(
              2,
              "rows carry the attribution run that wrote them",
              optional("run_id", T.STRING, "attribution run that wrote the row (see attribution.scores)"))
          .partitionedBy(s -> PartitionSpec.builderFor(s).identity("epoch").identity("method").build())
          .sortedBy("request_id")
          .build();

  public static final TableDefinition DATANET_SHARES =
      TableDefinition.builder("attribution", "datanet_shares")
          .doc("Influence per DataNet: for each adapter and method of an epoch, the credit its inferences gave"
              + " each DataNet's contributions. Over an adapter's rows, share sums to the fraction of its"
              + " inferences that were attributed (the rest is unattributed).")
          .layoutRationale("Same partitions as attribution.scores, written and published with them (run_id).")
          .version(
              1,
              "initial",
              required("epoch", T.STRING, "epoch id"),
              required("adapter_id", T.STRING, "adapter that served the inferences"),
              required("datanet", T.STRING, "DataNet of the credited contributions"),
              required("method", T.STRING, "span | gradient"),
              required("share", T.DOUBLE, "credit / adapter_inferences: the DataNet's share of the adapter's inferences"),
              required("credit", T.DOUBLE, "sum of the DataNet's shares over the adapter's inferences (exact decimal sum)"),
              required("inferences_touched", T.LONG, "inferences of the adapter that credited the DataNet"),
              required("adapter_inferences", T.LONG, "inferences the adapter served in the epoch, attributed or not"),
              optional("run_id", T.STRING, "attribution run that wrote the row (see attribution.scores)"))
          .partitionedBy(s -> PartitionSpec.builderFor(s).identity("epoch").build())
          .sortedBy("adapter_id", "datanet", "method")
          .build();

  public static final TableDefinition ATTRIBUTION_RUNS =
      TableDefinition.builder("attribution", "runs")
          .doc("One row per published attribution run of an epoch and method, with its inputs' snapshots;"
              + " written after the run's rows, so its presence publishes them.")
          .layoutRationale("One row per run: unpartitioned.")
          .version(
              1,
              "initial",
              required("run_id", T.STRING, "run id"),
              required("epoch", T.STRING, "epoch id"),
              required("method", T.STRING, "span | gradient | auto (as asked)"),
              required("started_at", T.TIMESTAMPTZ, "start"),
              required("finished_at", T.TIMESTAMPTZ, "end"),
              required("inferences", T.LONG, "inferences of the epoch"),
              required("attributed", T.LONG, "inferences attributed"),
              optional("by_method", T.longMap(), "inferences per method used"),
              optional("input_snapshots", T.longMap(), "table -> snapshot id read"),
              optional("output_snapshots", T.longMap(), "table -> snapshot id written"),
              optional("settings", T.stringMap(), "attribution settings used"))
          .version(
              2,
              "published runs",
              optional("status", T.STRING, "published: the run's rows (run_id) are complete and readers take them;"
                  + " null = a run from before run ids"))
          .build();

  public static final TableDefinition VALIDATIONS =
      TableDefinition.builder("datanet", "validations")
          .doc("Validator attestations on contributions: signed verdicts of registered validators.")
          .layoutRationale("Small, read whole by the reward job: unpartitioned, sorted by contribution.")
          .version(
              1,
              "initial",
              required("validator", T.STRING, "validator address (lower-case 0x), the signer"),
              required("contribution_id", T.STRING, "attested contribution"),
              required("verdict", T.STRING, "valid | invalid"),
              required("attested_at", T.TIMESTAMPTZ, "when the validator attested"),
              required("signature", T.STRING, "EIP-191 signature of sha256(\"poa-validation\\n\" + contribution_id + \"\\n\" + verdict)"),
              required("batch_id", T.STRING, "validation ingest batch"),
              required("source_file", T.STRING, "input file"),
              required("source_line", T.LONG, "line / row in it"),
              required("ingested_at", T.TIMESTAMPTZ, "start of the batch"))
          .version(
              2,
              "EIP-712 attestations",
              optional("scheme", T.STRING, "signature scheme: eip712-v1 (typed data over validator, contribution,"
                  + " verdict, attested_at); null = eip191 over contribution and verdict (before v2)"),
              optional("datanet", T.STRING, "DataNet of the attested contribution"))
          .sortedBy("contribution_id", "validator")
          .build();

  public static final TableDefinition VALIDATION_REJECTS =
      TableDefinition.builder("datanet", "validation_rejects")
          .doc("Attestation records that were rejected, with the reason and the record.")
          .layoutRationale("Small and read by batch: unpartitioned.")
          .version(
              1,
              "initial",
              required("batch_id", T.STRING, "validation ingest batch"),
              required("source_file", T.STRING, "input file"),
              required("source_line", T.LONG, "line / row in it"),
              required("reason", T.STRING, "reason code"),
              required("message", T.STRING, "what was wrong"),
              optional("raw_record", T.STRING, "the record as given"),
              required("ingested_at", T.TIMESTAMPTZ, "start of the batch"))
          .build();

  public static final TableDefinition VALIDATORS =
      TableDefinition.builder("datanet", "validators")
          .doc("Validator registry: who may attest contributions of which DataNets, and when.")
          .layoutRationale("A few rows per validator, read whole by attestation ingest and rewards: unpartitioned.")
          .version(
              1,
              "initial",
              required("registration_id", T.STRING, "id of this registration"),
              required("address", T.STRING, "validator address (lower-case 0x)"),
              required("datanets", T.list(T.STRING), "DataNets whose contributions it may attest"),
              required("valid_from", T.TIMESTAMPTZ, "attestations from this time count"),
              optional("valid_until", T.TIMESTAMPTZ, "attestations from this time on do not; null = open"),
              required("added_at", T.TIMESTAMPTZ, "when the registration was added"),
              optional("removed_at", T.TIMESTAMPTZ, "when 'poa validators remove' closed it"),
              optional("note", T.STRING, "free text (who, why)"))
          .sortedBy("address", "valid_from")
          .build();

  public static final TableDefinition VALIDATION_INGEST_RUNS =
      TableDefinition.builder("datanet", "validation_ingest_runs")
          .doc("One row per committed attestation batch; its presence marks the batch complete.")
          .layoutRationale("One row per batch: unpartitioned.")
          .version(
              1,
              "initial",
              required("batch_id", T.STRING, "batch id"),
              required("started_at", T.TIMESTAMPTZ, "start"),
              required("finished_at", T.TIMESTAMPTZ, "end"),
              required("input_paths", T.list(T.STRING), "inputs as given"),
              required("input_fingerprint", T.STRING, "sha256 of (file, size, mtime) of each input"),
              required("rows_read", T.LONG, "records read"),
              required("accepted", T.LONG, "new attestations"),
              required("duplicate", T.LONG, "repeats of a stored attestation, dropped"),
              required("rejected", T.LONG, "rejected records"),
              optional("rejected_by_reason", T.longMap(), "rejected records per reason"),
              optional("snapshot_ids", T.longMap(), "table -> snapshot id holding the batch's rows"))
          .build();

  public static final TableDefinition EPOCH_PAYOUTS =
      TableDefinition.builder("rewards", "epoch_payouts")
          .doc("What each address earns in an epoch, per role, and its cumulative total over all epochs.")
          .layoutRationale("Partitioned by epoch: an epoch's payouts are written and audited together.")
          .version(
              1,
              "initial",
              required("epoch", T.STRING, "epoch id"),
              required("address", T.STRING, "recipient (lower-case 0x)"),
              required("role", T.STRING, "contributor | owner | validator | treasury"),
              required("amount_wei", T.WEI, "earned in this epoch in this role"),
              required("cumulative_wei", T.WEI, "the address's total over all epochs up to this one (its Merkle leaf)"))
          .partitionedBy(s -> PartitionSpec.builderFor(s).identity("epoch").build())
          .sortedBy("address", "role")
          .build();

  public static final TableDefinition MANIFESTS =
      TableDefinition.builder("rewards", "epoch_manifests")
          .doc("One row per finalised epoch: its Merkle root, totals, manifest file and pinned inputs.")
          // not "manifests": Iceberg reads <table>.manifests as the metadata table of <table>
          .layoutRationale("One row per epoch: unpartitioned.")
          .version(
              1,
              "initial",
              required("epoch", T.STRING, "epoch id"),
              required("policy_version", T.STRING, "reward policy version"),
              required("policy_json", T.STRING, "the policy, canonical JSON"),
              required("root", T.STRING, "Merkle root (0x hex) over (address, cumulative_wei)"),
              required("total_wei", T.WEI, "paid out in this epoch (= fees of the epoch)"),
              required("cumulative_total_wei", T.WEI, "sum of all leaves"),
              required("recipients", T.LONG, "leaves of the tree"),
              required("manifest_path", T.STRING, "manifest JSON file"),
              required("manifest_sha256", T.STRING, "sha256 of the file's bytes"),
              required("input_snapshots", T.longMap(), "table -> snapshot id read"),
              required("status", T.STRING, "finalised"),
              required("created_at", T.TIMESTAMPTZ, "when it was written"))
          .version(
              2,
              "chain epoch and derivation settings",
              optional("chain_epoch", T.LONG, "the epoch's number on chain, assigned when it was finalised (1, 2, ...);"
                  + " null = finalised before it was stored (its position among finalised epochs)"),
              optional("settings", T.stringMap(), "settings the derivation used (validation quorum, validator registry);"
                  + " null = before they were recorded (quorum 1, no registry)"))
          .build();

  public static final TableDefinition SETTLEMENTS =
      TableDefinition.builder("rewards", "settlements")
          .doc("Journal of on-chain epoch commits: every signed transaction is recorded here before it is"
              + " broadcast, then each step (broadcast, mined, confirmed, reorged, reverted); append-only.")
          .layoutRationale("A few rows per epoch, read by epoch: unpartitioned, append-only.")
          .version(
              1,
              "initial",
              required("epoch", T.STRING, "poa epoch id"),
              required("chain_epoch", T.LONG, "the epoch's number on chain (1, 2, ... in finalisation order)"),
              required("chain_id", T.LONG, "EVM chain id"),
              required("contract", T.STRING, "distributor address (lower-case 0x)"),
              required("root", T.STRING, "the manifest's Merkle root being committed"),
              optional("nonce", T.LONG, "settler account nonce of the transaction"),
              optional("tx_hash", T.STRING, "keccak256 of the signed bytes (the node's transaction hash)"),
              optional("raw_tx", T.STRING, "the signed EIP-1559 transaction, 0x hex (sent again as is on resume)"),
              optional("max_fee_per_gas", T.WEI, "fee cap, wei per gas"),
              optional("max_priority_fee_per_gas", T.WEI, "priority fee, wei per gas"),
              required("status", T.STRING,
                  "signed | broadcast | rebroadcast | mined | reorged | confirmed | reverted | already_committed | conflict"),
              optional("block_number", T.LONG, "block of the receipt"),
              optional("block_hash", T.STRING, "hash of that block"),
              optional("detail", T.STRING, "node answer, decoded revert, confirmations, ..."),
              required("recorded_at", T.TIMESTAMPTZ, "when this entry was written"))
          .build();

  public static final TableDefinition LAKEHOUSE_LEASE =
      TableDefinition.builder("ops", "lakehouse_lease")
          .doc("The lakehouse's writer lease: one row, the current holder. Each acquisition, renewal and release"
              + " is one Iceberg commit that succeeds only if nothing was committed since the state it read.")
          .layoutRationale("One small file per commit; old snapshots are expired by the lease itself.")
          .version(
              1,
              "initial",
              required("holder", T.STRING, "id of this acquisition (random)"),
              required("command", T.STRING, "what holds it, e.g. 'rewards --epoch 2026-11-25'"),
              required("host", T.STRING, "host name of the holder"),
              required("pid", T.LONG, "process id of the holder"),
              required("acquired_at", T.TIMESTAMPTZ, "when it was acquired"),
              required("renewed_at", T.TIMESTAMPTZ, "last renewal"),
              required("expires_at", T.TIMESTAMPTZ, "free after this unless renewed"),
              required("released", T.BOOLEAN, "true once the holder released it"))
          .property("commit.retry.num-retries", "0")
          .property("write.metadata.delete-after-commit.enabled", "true")
          .property("write.metadata.previous-versions-max", "20")
          // it keeps its own history short (LakehouseLease.expireOldStates) and its one row in one file
          .maintenance(TableMaintenance.selfManaged())
          .build();

  public static final TableDefinition MAINTENANCE_RUNS =
      TableDefinition.builder("ops", "maintenance_runs")
          .doc("What each 'poa maintain' run did to each table: files and bytes before and after compaction,"
              + " manifests, snapshots expired and kept (and how many of them an epoch tag protects), orphan files"
              + " removed. A dry run records nothing.")
          .layoutRationale("A few rows per day, read whole: unpartitioned, append-only.")
          .version(
              1,
              "initial",
              required("run_id", T.STRING, "the maintenance run"),
              required("table_name", T.STRING, "namespace.table"),
              required("status", T.STRING, "done | failed (detail says why; the other tables were maintained)"),
              optional("data_files_before", T.LONG, "data files of the current snapshot before"),
              optional("data_files_after", T.LONG, "... after"),
              optional("data_bytes_before", T.LONG, "bytes of those data files before"),
              optional("data_bytes_after", T.LONG, "... after"),
              optional("delete_files_before", T.LONG, "delete files of the current snapshot before"),
              optional("delete_files_after", T.LONG, "... after"),
              optional("files_rewritten", T.LONG, "data files compaction replaced"),
              optional("files_written", T.LONG, "data files compaction wrote"),
              optional("manifests_before", T.LONG, "manifests of the current snapshot before"),
              optional("manifests_after", T.LONG, "... after"),
              optional("snapshots_before", T.LONG, "snapshots in the table's metadata before"),
              optional("snapshots_expired", T.LONG, "snapshots expired"),
              optional("snapshots_kept", T.LONG, "snapshots left"),
              optional("snapshots_protected", T.LONG, "snapshots kept because an epoch tag (epoch-<id>) holds them"),
              optional("orphans_removed", T.LONG, "files under the table's location that no snapshot references,"
                  + " older than the safe age, removed"),
              optional("metadata_bytes_before", T.LONG, "bytes under the table's metadata/ directory before"),
              optional("metadata_bytes_after", T.LONG, "... after"),
              required("retain", T.STRING, "snapshot retention of the run, e.g. 7d"),
              required("orphans_older_than", T.STRING, "orphan safe age of the run, e.g. 3d"),
              optional("detail", T.STRING, "why skipped or failed; notes"),
              required("started_at", T.TIMESTAMPTZ, "when the table's maintenance started"),
              required("finished_at", T.TIMESTAMPTZ, "when it finished"))
          .build();

  /** Every table, in creation order. */
  public static final List<TableDefinition> ALL =
      List.of(
          DATANETS, SUBMISSIONS, CONTRIBUTIONS, INGEST_RUNS, ADAPTERS, ADAPTER_TRAINING_SET, INFERENCE_LOGS,
          INFERENCE_LOG_REJECTS, LOG_INGEST_RUNS, TRAINING_GRADIENTS, TRAINING_GRADIENT_REJECTS,
          GRADIENT_INGEST_RUNS, SPAN_DOCUMENTS, SPAN_INDEX, SCORES, INFERENCE_SUMMARY, ATTRIBUTION_RUNS, VALIDATORS,
          VALIDATIONS, VALIDATION_REJECTS, VALIDATION_INGEST_RUNS, EPOCH_PAYOUTS, MANIFESTS, SETTLEMENTS,
          LAKEHOUSE_LEASE, MAINTENANCE_RUNS, DATANET_SHARES, SPAN_VOCABULARY);
}
