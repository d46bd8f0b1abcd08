package dev.poa.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.poa.jobs.Progress;
import dev.poa.jobs.attribution.AttributeJob;
import dev.poa.jobs.demo.Corpus;
import dev.poa.jobs.demo.ReferenceSketches;
import dev.poa.jobs.ingest.DatanetRegistry;
import dev.poa.schemas.Lakehouse;
import dev.poa.schemas.Tables;
import dev.poa.udfs.influence.SketchSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Generate a sample dataset and run every stage end to end.",
      "",
      "Writes three DataNets' submissions (signed records, near-duplicate variants,",
      "every kind of bad record) under <warehouse>/demo-input, ingests them as two",
      "batches, registers an adapter (with sample PEFT weights), ingests its training",
      "gradient sketches and inference logs (from the reference model), attributes",
      "the epoch by spans and by gradient influence, finalises its rewards (manifest,",
      "proof, audit), commits the epoch on a local chain (anvil) and pays one claim,",
      "packs the adapter for serving (<warehouse>/fleet), and prints",
      "what happened with a few SQL queries.",
      "Safe to rerun: batches already ingested are left unchanged; the epoch,",
      "once finalised, keeps its attribution and rewards (its rerun is a no-op).",
    })
final class DemoCommand extends CliCommand implements Callable<Integer> {
  @ParentCommand PoaCli root;

  static final List<String> DATANETS = List.of("medical-transcripts", "legal-contracts", "smart-contract-code");

  @Override
  public Integer call() throws Exception {
    Lakehouse lh = root.lakehouse();
    // one writer: the demo holds the lakehouse lease throughout (each stage joins it)
    try (var lease = lh.lease("demo", m -> err().println("poa: " + m))) {
      return demo(lh);
    } catch (DemoStopped stopped) {
      err().println("poa: the demo stopped: " + stopped.getMessage());
      return stopped.exitCode;
    }
  }

  private int demo(Lakehouse lh) throws Exception {
    lh.migrate();
    Path input = root.config().warehouse().resolve("demo-input");
    // the demo drops its batches where a scheduler would find them: a landing, one folder per batch
    Path landing = input.resolve("landing");
    Path batch1 = ready(landing.resolve("submissions/demo-1"), "batch-1.jsonl");
    Path batch2 = ready(landing.resolve("submissions/demo-2"), "batch-2.jsonl");
    if (!Files.exists(batch1) || !Files.exists(batch2)) {
      writeDemoInputs(batch1, batch2);
      markReady(batch1, batch2);
    }
    if (!DatanetRegistry.policies(lh).containsKey("medical-transcripts")) {
      DatanetRegistry.create(lh, new DatanetRegistry.Datanet(
          "medical-transcripts", "Medical transcripts", "medical", List.of(), true));
      out().println("created datanet medical-transcripts (signatures required)");
    }
    Path chainDir = root.config().warehouse().toAbsolutePath().resolve("chain");
    try (var node = dev.poa.settlement.DevChain.start(chainDir)) {
      // the pipeline's stages run as poa commands; settle reads the node and its key from the environment
      Map<String, String> env = new java.util.HashMap<>(root.env());
      env.put("POA_RPC_URL", node.url());
      env.put("POA_SETTLER_KEY", dev.poa.settlement.DevChain.DEV_KEYS.get(2));
      // the default reward policy with the demo's treasury; anvil mines only when a transaction arrives:
      // one confirmation (docs/settlement.md); adapters packed as bf16
      StageRunner pipeline = StageRunner.of(root, landing.toString(), null, env, List.of("--conf",
          "poa.rewards.treasury=" + DEMO_TREASURY, "--conf", "poa.settle.confirmations=1", "--conf",
          "poa.export.dtype=bf16"));
      return demo(lh, input, landing, pipeline, node);
    }
  }

  private int demo(Lakehouse lh, Path input, Path landing, StageRunner pipeline, dev.poa.settlement.DevChain node)
      throws Exception {
    heading("1. ingest the submission batches in the landing: demo-1, and demo-2 with re-submissions and variants of it");
    stage(pipeline, "ingest");

    heading("2. what the lakehouse now holds");
    query("SELECT batch_id, status, count(*) AS submissions FROM datanet.submissions GROUP BY batch_id, status ORDER BY batch_id, status");
    query("SELECT reason, count(*) AS n, min(message) AS example FROM datanet.submissions WHERE status = 'rejected' GROUP BY reason ORDER BY reason");
    query("SELECT datanet, count(*) AS contributions, sum(submission_count) AS submissions, sum(token_count) AS tokens FROM datanet.contributions GROUP BY datanet ORDER BY datanet");
    query("SELECT s.batch_id, s.metadata['variant'] AS variant, s.status, round(s.similarity, 3) AS jaccard, s.contribution_id FROM datanet.submissions s WHERE s.status <> 'rejected' AND s.metadata['variant'] <> 'original' ORDER BY s.batch_id, variant LIMIT 12");
    query("SELECT batch_id, rows_read, accepted, duplicate, near_duplicate, rejected FROM datanet.ingest_runs ORDER BY started_at");

    heading("3. an adapter over medical-transcripts, its training gradients, and inference logs");
    // its PEFT files (TinyLlama-1.1B shapes, r = 8 on q_proj and v_proj, sample weights)
    Path artifact = Files.createDirectories(input.resolve("adapters").resolve("demo-med-lora"));
    if (!Files.exists(artifact.resolve(dev.poa.export.AdapterExport.WEIGHTS))) {
      var files = dev.poa.export.SampleAdapters.generate(dev.poa.export.SampleAdapters.TINY_LLAMA, 8, 16,
          List.of("q_proj", "v_proj"), 11);
      Files.write(artifact.resolve(dev.poa.export.AdapterExport.CONFIG), files.adapterConfig());
      Files.write(artifact.resolve(dev.poa.export.AdapterExport.WEIGHTS), files.weights());
    }
    Path adapterFile = input.resolve("adapter.json");
    Files.writeString(adapterFile, ADAPTER.replace("ARTIFACT_URI", artifact.toAbsolutePath().toUri().toString()));
    if (lh.spark().table(lh.sparkName(Tables.ADAPTERS)).filter("adapter_id = 'demo-med-lora'").isEmpty()) {
      var reg = dev.poa.jobs.serving.AdapterRegistry.register(lh,
          dev.poa.udfs.AdapterSpec.parse(Files.readString(adapterFile)));
      out().println("adapter " + reg.adapterId() + " registered over " + reg.trainingSetSize() + " contributions");
    }
    Path logs = ready(landing.resolve("logs/demo-logs-1"), "inference-logs.jsonl");
    Path gradients = ready(landing.resolve("gradients/demo-med-lora/demo-gradients-1"), "training-gradients.jsonl");
    if (!Files.exists(logs) || !Files.exists(gradients)) {
      writeServingInputs(lh, logs, gradients);
      markReady(logs, gradients);
    }
    stage(pipeline, "ingest");
    EpochsCommand epochs = new EpochsCommand();
    epochs.root = root;
    epochs.spec = spec; // prints where the demo prints
    epochs.format = "table";
    out().println();
    out().println("poa epochs");
    epochs.call();

    heading("4. validators: two registered for medical-transcripts sign EIP-712 attestations");
    attestations(lh, landing);
    stage(pipeline, "ingest");
    query("SELECT validator, contribution_id, verdict, attested_at, scheme FROM datanet.validations ORDER BY attested_at,"
        + " validator");
    query("SELECT reason, message FROM datanet.validation_rejects ORDER BY source_line");

    heading("5. attribution of epoch " + DEMO_EPOCH + ": what each method finds, then the pipeline's run (auto)");
    boolean finalised = !lh.spark().table(lh.sparkName(Tables.MANIFESTS)).filter("epoch = '" + DEMO_EPOCH + "'").isEmpty();
    if (finalised) {
      // a rerun of the demo: the epoch's rewards are final, so is its attribution (attribute refuses it, exit 4)
      out().println("epoch " + DEMO_EPOCH + " is finalised: its attribution is final too (attribute would refuse it)");
    } else {
      for (AttributeJob.Method m : List.of(AttributeJob.Method.SPAN, AttributeJob.Method.GRADIENT)) {
        out().println();
        out().println("poa attribute --epoch " + DEMO_EPOCH + " --method " + m.id());
        AttributeJob.Result r = new AttributeJob(lh, Progress.to(err(), "attribute"))
            .run(AttributeCommand.config(root.config(), DEMO_EPOCH, m));
        out().println(AttributeCommand.describe(r));
      }
      query("SELECT s.request_id, s.top_contribution AS span_top, round(s.top_share, 3) AS span_share,"
          + " g.top_contribution AS gradient_top, round(g.top_share, 3) AS gradient_share FROM attribution.inference_summary s"
          + " JOIN attribution.inference_summary g ON s.request_id = g.request_id AND g.method = 'gradient'"
          + " WHERE s.method = 'span' ORDER BY s.request_id LIMIT 8");
      // the pipeline's own stage: gradient influence where the inference has a sketch of its adapter's spec, else spans
      stage(pipeline, "attribute");
    }
    query("SELECT method, attributed, coalesce(unattributed_reason, '') AS reason, count(*) AS inferences,"
        + " round(avg(top_share), 3) AS avg_top_share FROM attribution.inference_summary GROUP BY method, attributed,"
        + " unattributed_reason ORDER BY method, attributed");
    query("SELECT method, count(DISTINCT request_id) AS inferences, round(min(total), 12) AS min_share_sum,"
        + " round(max(total), 12) AS max_share_sum FROM (SELECT method, request_id, sum(share) AS total"
        + " FROM attribution.scores GROUP BY method, request_id) GROUP BY method");

    heading("6. rewards of epoch " + DEMO_EPOCH + ": exact payouts, Merkle manifest, proof, audit");
    stage(pipeline, "rewards");
    query("SELECT role, count(*) AS recipients, CAST(sum(amount_wei) AS DECIMAL(38,0)) AS wei FROM rewards.epoch_payouts"
        + " WHERE epoch = '" + DEMO_EPOCH + "' GROUP BY role ORDER BY role");
    var proof = new dev.poa.jobs.rewards.Audit(lh).proof(DEMO_EPOCH, DEMO_TREASURY);
    out().printf("%npoa manifest proof --epoch %s --address %s%n  cumulative %s wei, proof %s%n", DEMO_EPOCH,
        DEMO_TREASURY, proof.cumulative(), proof.proof());
    stage(pipeline, "audit");

    heading("7. the epoch settled on a local chain (anvil), and one claim paid");
    settleOnLocalChain(lh, pipeline, node);

    heading("8. adapters packed for a multi-adapter serving fleet");
    stage(pipeline, "export_adapters");

    heading("9. tables");
    TablesCommand tables = new TablesCommand();
    tables.root = root;
    tables.spec = spec;
    tables.call();
    out().println();
    out().println("The same stages on a schedule: poa pipeline; poa run-epoch --epoch " + DEMO_EPOCH
        + " --landing " + landing + " (docs/scheduling.md)");
    out().println("Try: ./poa sql \"SELECT * FROM datanet.submissions WHERE status = 'near_duplicate' LIMIT 5\"");
    return 0;
  }

  /** Runs a pipeline stage; the demo stops with its exit code unless it is done. */
  private static void stage(StageRunner pipeline, String id) {
    StageRunner.Ran r = pipeline.run(id, DEMO_EPOCH);
    if (r.outcome() != dev.poa.jobs.pipeline.EpochPipeline.Outcome.DONE) {
      throw new DemoStopped(r.exitCode(), "stage " + id + " ended with exit " + r.exitCode());
    }
  }

  /** The demo stops where a stage did not finish, with the stage's exit code. */
  static final class DemoStopped extends RuntimeException {
    final int exitCode;

    DemoStopped(int exitCode, String message) {
      super(message);
      this.exitCode = exitCode;
    }
  }

  /** {@code file} in a batch folder of the landing (created). */
  private static Path ready(Path batchDir, String file) throws IOException {
    return Files.createDirectories(batchDir).resolve(file);
  }

  /** Marks the batch folders of these files ready (their _SUCCESS), once their data is written. */
  private static void markReady(Path... files) throws IOException {
    for (Path f : files) {
      Files.writeString(f.getParent().resolve(dev.poa.jobs.ingest.Landing.READY_MARKER), "");
    }
  }

  /**
   * Deploys the token and the distributor on the demo's anvil, settles the epoch with the
   * pipeline's settle stage (journalled in rewards.settlements; one confirmation: anvil mines only
   * when a transaction arrives) and claims the treasury's amount with the proof from the manifest.
   */
  private void settleOnLocalChain(Lakehouse lh, StageRunner pipeline, dev.poa.settlement.DevChain node) throws Exception {
    try (var chain = new dev.poa.settlement.Chain(node.url(), dev.poa.settlement.ContractArtifact.DISTRIBUTOR)) {
      var admin = org.web3j.crypto.Credentials.create(dev.poa.settlement.DevChain.DEV_KEYS.get(0));
      var settler = org.web3j.crypto.Credentials.create(dev.poa.settlement.DevChain.DEV_KEYS.get(2));
      var deployment = dev.poa.settlement.Deployment.deploy(new dev.poa.settlement.DevTransactor(chain, admin,
          dev.poa.settlement.ContractArtifact.DISTRIBUTOR), settler.getAddress(), admin.getAddress(),
          java.math.BigInteger.TEN.pow(27));
      // the settle stage finds the distributor where 'poa chain deploy' records it
      dev.poa.jobs.settlement.ChainDeployment.save(root.config().warehouse(), deployment);
      out().printf("anvil at %s (chain %d): token %s, distributor %s%n", node.url(), deployment.chainId(),
          deployment.token(), deployment.distributor());
      stage(pipeline, "settle");
      String manifestRoot = lh.spark().table(lh.sparkName(Tables.MANIFESTS)).filter("epoch = '" + DEMO_EPOCH + "'").first()
          .getAs("root");
      java.util.List<org.web3j.abi.datatypes.Type> onChain = chain.call(admin.getAddress(), deployment.distributor(),
          dev.poa.settlement.Distributor.epochRoot(1));
      String rootOnChain = org.web3j.utils.Numeric.toHexString((byte[]) onChain.get(0).getValue());
      out().printf("  epoch %s committed on the local chain as #1; on-chain root %s %s%n", DEMO_EPOCH, rootOnChain,
          rootOnChain.equals(manifestRoot) ? "= manifest root" : "≠ manifest root " + manifestRoot);
      var proof = new dev.poa.jobs.rewards.Audit(lh).proof(DEMO_EPOCH, DEMO_TREASURY);
      var token = deployment.token();
      java.math.BigInteger before = (java.math.BigInteger) chain.call(admin.getAddress(), token,
          dev.poa.settlement.Distributor.balanceOf(proof.address())).get(0).getValue();
      out().println("poa claim --epoch " + DEMO_EPOCH + " --address " + DEMO_TREASURY + " --send");
      if (before.compareTo(proof.cumulative()) < 0) {
        new dev.poa.settlement.DevTransactor(chain, org.web3j.crypto.Credentials.create(dev.poa.settlement.DevChain.DEV_KEYS
            .get(3)), dev.poa.settlement.ContractArtifact.DISTRIBUTOR).send(deployment.distributor(),
            dev.poa.settlement.Distributor.encode(dev.poa.settlement.Distributor.claim(proof.address(), proof.cumulative(),
                proof.proof())));
      }
      java.math.BigInteger balance = (java.math.BigInteger) chain.call(admin.getAddress(), token,
          dev.poa.settlement.Distributor.balanceOf(proof.address())).get(0).getValue();
      out().printf("  claim paid: %s now holds %s wei of the reward token (manifest: %s)%n", proof.address(), balance,
          proof.cumulative());
    }
  }

  /**
   * Registers two validators for the medical DataNet (standard test accounts 4 and 5) and ingests
   * their EIP-712 signed attestations: each vouches for a contribution the demo's inferences quote,
   * and both declare a third one invalid (a quorum of two: it is slashed). A replay of a signed
   * attestation with another time, and an attestation by an unregistered key, are rejected.
   */
  private void attestations(Lakehouse lh, Path landing) throws IOException {
    Instant from = Instant.parse("2026-11-01T00:00:00Z");
    List<String> training = lh.spark().sql("SELECT contribution_id FROM " + lh.sparkName(Tables.ADAPTER_TRAINING_SET)
        + " WHERE adapter_id = 'demo-med-lora' ORDER BY contribution_id").as(Encoders.STRING()).collectAsList();
    java.util.Set<String> registered = new java.util.HashSet<>();
    dev.poa.jobs.rewards.ValidatorRegistry.list(lh).forEach(r -> registered.add(r.getAs("address")));
    List<org.web3j.crypto.ECKeyPair> keys = new ArrayList<>();
    for (String hex : VALIDATOR_KEYS) {
      org.web3j.crypto.ECKeyPair key = org.web3j.crypto.Credentials.create(hex).getEcKeyPair();
      keys.add(key);
      String address = "0x" + org.web3j.crypto.Keys.getAddress(key);
      if (!registered.contains(address)) {
        dev.poa.jobs.rewards.ValidatorRegistry.add(lh, new dev.poa.jobs.rewards.ValidatorRegistry.Registration(address,
            List.of("medical-transcripts"), from, null, "demo validator"), Progress.to(err(), "validators"));
      }
      out().println("poa validators add --address " + address + " --datanets medical-transcripts --from " + from);
    }
    Path file = ready(landing.resolve("attestations/demo-attestations-1"), "attestations.jsonl");
    if (!Files.exists(file) && training.size() > 14) {
      long chain = root.config().getLong("poa.chain.id", dev.poa.jobs.rewards.ValidationIngestJob.DEFAULT_CHAIN_ID);
      Instant at = Instant.parse(DEMO_EPOCH + "T06:00:00Z");
      List<String> lines = new ArrayList<>();
      lines.add(attestation(chain, keys.get(0), training.get(0), "valid", at));
      lines.add(attestation(chain, keys.get(1), training.get(7), "valid", at));
      lines.add(attestation(chain, keys.get(0), training.get(14), "invalid", at));
      lines.add(attestation(chain, keys.get(1), training.get(14), "invalid", at.plusSeconds(60)));
      // a replay of the first with an earlier time: the signature does not cover it
      lines.add(lines.get(0).replace(at.toString(), at.minusSeconds(86_400).toString()));
      // a key that is not a registered validator
      lines.add(attestation(chain, org.web3j.crypto.Credentials.create(dev.poa.settlement.DevChain.DEV_KEYS.get(3))
          .getEcKeyPair(), training.get(0), "invalid", at));
      Files.write(file, lines, StandardCharsets.UTF_8);
      markReady(file);
    }
  }

  private static String attestation(long chain, org.web3j.crypto.ECKeyPair key, String contribution, String verdict,
      Instant at) {
    String validator = org.web3j.crypto.Keys.toChecksumAddress(org.web3j.crypto.Keys.getAddress(key));
    return "{\"validator\": \"" + validator + "\", \"contribution_id\": \"" + contribution + "\", \"verdict\": \""
        + verdict + "\", \"attested_at\": \"" + at + "\", \"signature\": \""
        + dev.poa.udfs.AttestationTypedData.sign(chain, validator, contribution, verdict, at, key) + "\"}";
  }

  /** Validators of the demo: accounts 4 and 5 of the standard test mnemonic (public development keys). */
  static final List<String> VALIDATOR_KEYS = List.of(
      "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
      "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba");

  private void query(String sql) {
    out().println();
    out().println("poa sql \"" + sql + "\"");
    SqlCommand.print(root.spark().sql(sql), "table", 100, out());
  }

  private void heading(String h) {
    out().println();
    out().println("== " + h);
  }

  static final String DEMO_EPOCH = "2026-11-25";
  /** The demo policy's treasury (second account of the standard test mnemonic). */
  static final String DEMO_TREASURY = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

  static final String ADAPTER = "{\"adapter_id\": \"demo-med-lora\", \"base_model\": \"tiny-llama\","
      + " \"owner\": \"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266\", \"datanets\": [\"medical-transcripts\"],"
      + " \"rank\": 8, \"alpha\": 16, \"target_modules\": [\"q_proj\", \"v_proj\"],"
      + " \"artifact_uri\": \"ARTIFACT_URI\"}\n";

  /**
   * Inference logs of the demo adapter (most completions quote a training contribution, some
   * quote nothing) with their gradient sketches, and the training contributions' sketches, all
   * from the reference model.
   */
  static void writeServingInputs(Lakehouse lh, Path logs, Path gradients) throws IOException {
    List<Row> training = lh.spark().sql("SELECT c.contribution_id, c.content FROM " + lh.sparkName(Tables.ADAPTER_TRAINING_SET)
        + " t JOIN " + lh.sparkName(Tables.CONTRIBUTIONS) + " c ON t.contribution_id = c.contribution_id"
        + " WHERE t.adapter_id = 'demo-med-lora' ORDER BY c.contribution_id").collectAsList();
    List<String> others = lh.spark().sql("SELECT content FROM " + lh.sparkName(Tables.CONTRIBUTIONS)
        + " WHERE datanet <> 'medical-transcripts' ORDER BY contribution_id").as(Encoders.STRING()).collectAsList();
    ReferenceSketches model = ReferenceSketches.train(training.stream().map(r -> r.getString(1)).toList(), others,
        new SketchSpec(256, 42));
    ObjectMapper json = new ObjectMapper();
    List<String> g = new ArrayList<>();
    for (Row r : training) {
      ObjectNode o = json.createObjectNode();
      o.put("contribution_id", r.getString(0));
      ArrayNode a = o.putArray("sketch");
      for (float f : model.sketch(r.getString(1), 1)) {
        a.add(f);
      }
      o.put("sketch_spec", model.spec().id());
      g.add(o.toString());
    }
    Files.write(gradients, g, StandardCharsets.UTF_8);
    List<String> lines = new ArrayList<>();
    java.util.Random random = new java.util.Random(5);
    for (int i = 0; i < 24; i++) {
      String servedAt = Instant.parse(DEMO_EPOCH + "T00:00:00Z").plusSeconds(i * 1800L).toString();
      String completion;
      if (i % 4 == 3 || training.isEmpty()) {
        completion = "The patient is stable and should return for review in two weeks.";
      } else {
        String source = training.get((i * 7) % training.size()).getString(1);
        String quote = dev.poa.jobs.eval.SpanEval.verbatim(source, 14 + random.nextInt(20), random);
        completion = "Summary of the visit: " + (quote == null ? source : quote) + " Follow up as needed.";
      }
      ObjectNode o = json.createObjectNode();
      o.put("request_id", "demo-req-" + i);
      o.put("adapter_id", "demo-med-lora");
      o.put("served_at", servedAt);
      o.put("prompt", "summarise the visit");
      o.put("completion", completion);
      o.put("fee_wei", Long.toString(1_000_000_000_000_000L + i));
      ArrayNode a = o.putArray("gradient_sketch");
      for (float f : model.sketch(completion, 1)) {
        a.add(f);
      }
      o.put("sketch_spec", model.spec().id());
      lines.add(o.toString());
    }
    lines.add(lines.get(3)); // a redelivered log: dropped
    lines.add("{\"request_id\": \"demo-bad\", \"adapter_id\": \"demo-med-lora\", \"served_at\": \"2026-11-26T01:00:00Z\","
        + " \"completion\": \"x\", \"fee_wei\": -1}");
    Files.write(logs, lines, StandardCharsets.UTF_8);
  }

  static void writeDemoInputs(Path batch1, Path batch2) throws IOException {
    Corpus corpus = new Corpus(7, 12);
    Instant start = Instant.parse("2026-11-01T09:00:00Z");
    List<Corpus.Doc> first = corpus.generate(90, 220, 0.5, DATANETS, start);
    List<String> lines = new ArrayList<>();
    first.forEach(d -> lines.add(corpus.toJsonLine(d)));
    for (Map.Entry<String, String> bad : Corpus.badLines(corpus.contributors().get(0))) {
      lines.add(bad.getKey());
    }
    Files.write(batch1, lines, StandardCharsets.UTF_8);

    // Batch 2: new documents, exact re-submissions and near-duplicate variants of batch 1.
    List<String> second = new ArrayList<>();
    Instant later = Instant.parse("2026-11-05T09:00:00Z");
    Corpus more = new Corpus(8, 12);
    more.generate(30, 220, 0.3, DATANETS, later).forEach(d -> second.add(more.toJsonLine(d)));
    for (int i = 0; i < 20; i++) {
      Corpus.Doc o = first.get(i * 3);
      String kind = Corpus.VARIANTS.get(i % Corpus.VARIANTS.size());
      String content = i % 4 == 0 ? o.content() : corpus.variant(o.content(), kind);
      Corpus.Doc d = corpus.doc(o.cluster(), i % 4 == 0 ? "resubmission" : kind, o.datanet(), (i * 5) % 12,
          o.contentType(), content, later.plusSeconds(i * 17L));
      second.add(corpus.toJsonLine(d));
    }
    Files.write(batch2, second, StandardCharsets.UTF_8);
  }
}
