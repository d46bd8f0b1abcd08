package dev.poa.cli;

import dev.poa.export.AdapterExport;
import dev.poa.export.Dtype;
import dev.poa.jobs.Progress;
import dev.poa.jobs.serving.AdapterExportJob;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "export-adapters",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Pack registered LoRA adapters for a multi-adapter serving fleet.",
      "",
      "Fetches each adapter's adapter_config.json and adapter_model.safetensors from",
      "its artifact URI, checks them (safetensors header and offsets, LoRA names and",
      "shapes against the rank, target modules, NaN/Inf, config fields), and writes",
      "<out>/<adapter_id>/ in the layout LoRAX and vLLM load, with a manifest.json",
      "(version, base model, rank, dtype, files with sha256, provenance) and a fleet",
      "<out>/index.json by base model. A bad adapter is reported with its error code",
      "and the others are exported. Unchanged adapters are skipped; each adapter",
      "directory appears whole or not at all.",
      "",
      "Exit 0 when every adapter is exported or unchanged, 6 when some failed.",
    })
final class ExportAdaptersCommand extends CliCommand implements Callable<Integer> {
  /** {"exported": [ids], "unchanged": [ids], "failed": [{"adapter_id", "code", "message"}]}. */
  void writeReport(String uri, AdapterExport.Result r) throws java.io.IOException {
    var json = new com.fasterxml.jackson.databind.ObjectMapper();
    var doc = json.createObjectNode();
    var exported = doc.putArray("exported");
    var unchanged = doc.putArray("unchanged");
    var failed = doc.putArray("failed");
    for (AdapterExport.Outcome o : r.outcomes()) {
      switch (o.status()) {
        case EXPORTED -> exported.add(o.adapterId());
        case UNCHANGED -> unchanged.add(o.adapterId());
        case FAILED -> failed.addObject().put("adapter_id", o.adapterId()).put("code", o.code().id()).put("message", o.message());
      }
    }
    org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(uri);
    org.apache.hadoop.fs.FileSystem fs = p.getFileSystem(root.spark().sparkContext().hadoopConfiguration());
    fs.setWriteChecksum(false);
    try (var out = fs.create(p, true)) {
      out.write(json.writerWithDefaultPrettyPrinter().writeValueAsBytes(doc));
    }
  }

  @ParentCommand PoaCli root;

  static final class Which {
    @Option(names = "--adapters", split = ",", paramLabel = "ID", description = "Adapters to export (comma-separated or repeated).")
    List<String> ids;

    @Option(names = "--all", description = "Every registered adapter.")
    boolean all;
  }

  @ArgGroup(exclusive = true, multiplicity = "1")
  Which which;

  @Option(names = "--out", required = true, paramLabel = "DIR|URI", description = "Output directory: a path or any Hadoop URI (s3a://...).")
  String out;

  @Option(names = "--dtype", paramLabel = "fp16|bf16|fp32", description = "Convert float weights (the error is reported); default: poa.export.dtype, else keep.")
  String dtype;

  @Option(names = "--report", paramLabel = "FILE|URI",
      description = "Also write the outcome per adapter as JSON (a scheduler reads the failed ones from it).")
  String report;

  @Override
  public Integer call() throws Exception {
    // --dtype, else poa.export.dtype (what the pipeline's export stage packs), else the weights' own
    String wanted = dtype != null ? dtype : root.config().get("poa.export.dtype", null);
    Dtype d = wanted == null ? null : Dtype.parseOption(wanted);
    String target = PoaCli.uri(out);
    AdapterExport.Result r = new AdapterExportJob(root.lakehouse(), Progress.to(err(), "export"))
        .run(new AdapterExportJob.Config(which.all ? null : which.ids, target, d));
    for (AdapterExport.Outcome o : r.outcomes()) {
      switch (o.status()) {
        case EXPORTED -> out().printf("%-32s exported   %s%s%n", o.adapterId(), o.version(), o.conversion() == null ? ""
            : String.format("  (%s: max abs error %.3g, max rel error %.3g)", o.conversion().to(), o.conversion().maxAbsError(),
                o.conversion().maxRelError()));
        case UNCHANGED -> out().printf("%-32s unchanged  %s%n", o.adapterId(), o.version());
        case FAILED -> out().printf("%-32s FAILED     %s: %s%n", o.adapterId(), o.code().id(), o.message());
      }
    }
    out().printf("%d exported, %d unchanged, %d failed; index: %s%n", r.count(AdapterExport.Status.EXPORTED),
        r.count(AdapterExport.Status.UNCHANGED), r.count(AdapterExport.Status.FAILED), r.index());
    if (report != null) {
      writeReport(PoaCli.uri(report), r);
    }
    return r.count(AdapterExport.Status.FAILED) > 0 ? PoaCli.EXIT_SOME_FAILED : 0;
  }
}
