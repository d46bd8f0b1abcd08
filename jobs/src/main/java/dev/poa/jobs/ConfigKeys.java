package dev.poa.jobs;

import dev.poa.jobs.attribution.GradientAttribution;
import dev.poa.jobs.attribution.SpanAttribution;
import dev.poa.jobs.ingest.Deduplication;
import dev.poa.jobs.rewards.RewardRules;
import dev.poa.jobs.rewards.ValidationIngestJob;
import dev.poa.schemas.Durations;
import dev.poa.schemas.LakehouseLease;
import dev.poa.udfs.SubmissionValidator;
import java.util.List;

/**
 * Every {@code poa.*} setting a command reads from the configuration (config file, {@code --conf},
 * environment), with its default and meaning: the settings reference (docs/reference/settings.md) is
 * generated from this list, and a test checks that the code reads no key missing from it and that
 * every key here is read somewhere. Defaults are taken from the code that applies them, so the
 * reference cannot state another.
 */
public final class ConfigKeys {
  private ConfigKeys() {}

  /**
   * @param key the setting
   * @param defaultValue its default, as the code applies it (a sentence when it is derived)
   * @param env the environment variable that sets it when neither the file nor --conf does, or null
   * @param area the part of poa that reads it (a heading of the reference)
   * @param meaning what it changes
   */
  public record Key(String key, String defaultValue, String env, String area, String meaning) {}

  private static Key key(String area, String key, Object dflt, String meaning) {
    return new Key(key, String.valueOf(dflt), null, area, meaning);
  }

  private static Key key(String area, String key, Object dflt, String env, String meaning) {
    return new Key(key, String.valueOf(dflt), env, area, meaning);
  }

  private static final Deduplication.Settings DEDUP = Deduplication.Settings.defaults();
  private static final SpanAttribution.Settings SPAN = SpanAttribution.Settings.defaults();
  private static final GradientAttribution.Settings GRADIENT = GradientAttribution.Settings.defaults();
  private static final LakehouseLease.Settings LEASE = LakehouseLease.Settings.defaults();

  public static final List<Key> ALL = List.of(
      key("lakehouse", "poa.warehouse", PoaConfig.DEFAULT_WAREHOUSE, "POA_WAREHOUSE",
          "Directory of the embedded lakehouse: catalog.db (SQLite JDBC catalog) and data/; also where manifests,"
              + " the landing, the fleet and the chain deployment go by default. --warehouse sets it too."),
      key("lakehouse", "poa.catalog", PoaConfig.DEFAULT_CATALOG, "POA_CATALOG",
          "Name of the Iceberg catalog (Spark's default catalog); spark.sql.catalog.<name>.* replaces the embedded one."),
      key("lakehouse", "poa.lease.wait", Durations.format(LEASE.waitFor()),
          "How long a command that writes waits for another writer's lease before exit 8 (--wait-lock sets it too)."),
      key("lakehouse", "poa.lease.ttl", Durations.format(LEASE.ttl()),
          "How long a writer's lease lasts unless renewed (renewed every third of it); at least 3s."),
      key("ingest", "poa.ingest.known-datanets-only", false,
          "Reject rows of DataNets not registered with 'poa datanets create' (else they are registered with defaults)."),
      key("ingest", "poa.ingest.max-content-bytes", SubmissionValidator.DEFAULT_MAX_CONTENT_BYTES,
          "Largest content accepted, in UTF-8 bytes; larger rows are rejected (content_too_large)."),
      key("ingest", "poa.ingest.spark-codegen", false,
          "true: the batch's Spark queries use Spark's code generation; false: they run interpreted, which was as fast"
              + " or faster at every batch size measured (bench/RESULTS.md, 2026-12-06)."),
      key("ingest", "poa.dedup.scope", DEDUP.crossDatanet() ? "global" : "datanet",
          "datanet: duplicates are found within a DataNet; global: across DataNets (--cross-datanet)."),
      key("ingest", "poa.dedup.threshold", DEDUP.threshold(),
          "Near-duplicate when the Jaccard similarity of word shingles is at least this."),
      key("ingest", "poa.dedup.containment", DEDUP.containment(),
          "Near-duplicate also when the smaller shingle set lies at least this much inside the larger; 0 turns it off."),
      key("ingest", "poa.dedup.shingle-words", DEDUP.shingleWords(), "Words per shingle."),
      key("ingest", "poa.dedup.bands", DEDUP.bands(), "MinHash LSH bands (candidates share a band)."),
      key("ingest", "poa.dedup.rows-per-band", DEDUP.rowsPerBand(),
          "MinHash values per band (bands × rows = permutations)."),
      key("ingest", "poa.dedup.minhash", DEDUP.minhashImpl(),
          "udf (Java MinHash) or builtin (Spark SQL expressions the RAPIDS Accelerator can run); same signatures."),
      key("ingest", "poa.dedup.max-cc-rounds", DEDUP.maxCcRounds(),
          "Most rounds of the connected-components pass that groups near-duplicates; more is an error."),
      key("ingest", "poa.dedup.driver-cc-max-edges", DEDUP.driverCcMaxEdges(),
          "Verified near-duplicate pairs up to which a batch groups them on the driver (union-find); above it,"
              + " the connected-components pass runs in Spark. 0: always in Spark."),
      key("landing", "poa.landing", "<warehouse>/landing",
          "Where batches land for 'poa landing ingest' and the pipeline (local directory or s3a:// URI)."),
      key("attribution", "poa.attribution.span.ngram", SPAN.ngram(),
          "n of the span index's n-grams: the shortest span that can match, in tokens."),
      key("attribution", "poa.attribution.span.tokenizer", SPAN.tokenizer(),
          "default, or the class of a pluggable tokenizer (the index records it; changing it needs a new index)."),
      key("attribution", "poa.attribution.span.boilerplate-min", SPAN.boilerplateMinContributions(),
          "A span held by more than max(this, fraction × training set) of an adapter's contributions is shared"
              + " boilerplate and earns nothing."),
      key("attribution", "poa.attribution.span.boilerplate-fraction", SPAN.boilerplateFraction(),
          "f of the boilerplate limit max(boilerplate-min, f × N), N = the adapter's training set size."),
      key("attribution", "poa.attribution.span.min-words", SPAN.minWords(),
          "A span counts with at least this many distinct words (content tokens next to another content token)."),
      key("attribution", "poa.attribution.span.min-information", SPAN.minInformation(),
          "A span counts only with information of at least this × ln(N + 1) nats (and min-words words); both 0: no"
              + " informativeness rule, a span weighs its length."),
      key("attribution", "poa.attribution.gradient.damping", GRADIENT.damping(),
          "λ of (ΦᵀΦ + λI), relative to the mean eigenvalue when relative-damping."),
      key("attribution", "poa.attribution.gradient.relative-damping", GRADIENT.relativeDamping(),
          "Scale λ by trace(ΦᵀΦ)/k."),
      key("attribution", "poa.attribution.gradient.top-k", GRADIENT.topK(),
          "Contributions with their own score row per inference (the rest: one row per contributor)."),
      key("attribution", "poa.attribution.gradient.query-chunk", GRADIENT.queryChunk(),
          "Whitened query sketches per block product: a task scores one chunk against all its blocks, then the next."),
      key("attribution", "poa.attribution.gradient.block-rows", GRADIENT.blockRows(),
          "Training sketches per block product."),
      key("attribution", "poa.attribution.gradient.partitions", GRADIENT.partitions(),
          "Partitions of the training sketches; fixed, so sums are bit-for-bit reproducible."),
      key("rewards", "poa.rewards.policy", "the built-in policy (poa-default-v1)",
          "Reward policy JSON file (basis points per role, treasury); --policy sets it too."),
      key("rewards", "poa.rewards.treasury", "the policy's",
          "Treasury address of the built-in policy (unattributed fees and rounding go there)."),
      key("rewards", "poa.rewards.manifest-dir", "<warehouse>/manifests",
          "Where epoch manifest files are written (local directory or s3a:// URI)."),
      key("rewards", "poa.validation.quorum", RewardRules.DEFAULT.quorum(),
          "Registered validators that must attest a contribution 'invalid' before it earns nothing (from that epoch on)."),
      key("rewards", "poa.validation.max-clock-skew", Durations.format(ValidationIngestJob.DEFAULT_MAX_CLOCK_SKEW),
          "How far after the ingest's clock an attestation's attested_at may be (later: rejected as attested_in_future)."),
      key("chain", "poa.chain.id", ValidationIngestJob.DEFAULT_CHAIN_ID,
          "Chain id of the attestations' EIP-712 domain: the chain the rewards settle on."),
      key("chain", "poa.chain.rpc-url", "none", "POA_RPC_URL",
          "JSON-RPC URL of the node settle and claim use (--rpc, then POA_RPC_URL, then this)."),
      key("chain", "poa.chain.distributor", "the address 'poa chain deploy' recorded",
          "Address of the rewards distributor contract (--contract sets it too)."),
      key("chain", "poa.settle.confirmations", "none: final at the node's finalized block (else 2 blocks)",
          "Blocks after which a commit is final (e.g. 1 on a development chain); --confirmations sets it too."),
      key("export", "poa.export.fleet", "<warehouse>/fleet",
          "Where the pipeline's export stage packs adapters (local directory or s3a:// URI)."),
      key("export", "poa.export.dtype", "keep the weights' own",
          "fp16, bf16 or fp32: convert float weights when packing (--dtype sets it too)."),
      key("orchestration", "poa.airflow.url", "none",
          "Airflow's base URL for 'poa airflow' (else POA_AIRFLOW_URL, else what 'orchestration/airflow up' recorded)."));
}
