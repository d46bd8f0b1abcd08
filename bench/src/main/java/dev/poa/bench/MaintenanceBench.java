package dev.poa.bench;

import dev.poa.cli.PoaCli;
import dev.poa.jobs.PoaConfig;
import dev.poa.jobs.PoaSpark;
import dev.poa.jobs.Progress;
import dev.poa.jobs.ops.MaintainJob;
import dev.poa.schemas.Lakehouse;
import dev.poa.schemas.TableDefinition;
import dev.poa.schemas.Tables;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.Table;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.TimestampType;

/**
 * {@code poa maintain} on a lakehouse that has run for D daily epochs (default 60) the way the
 * stages commit: each day B small batches of submissions and of inference logs (each with its
 * run-ledger row), the epoch's scores and summary overwritten by attribution, its payouts and its
 * manifest row (whose input snapshots the epoch tags then protect). Rows are written with Spark
 * SQL straight into the real tables (the stages' own logic is not what is measured here).
 *
 * <p>Measured before and after maintenance, in the same run: data files and metadata bytes of all
 * tables, and the median time of typical reads: {@code poa tables}, a month of payouts for one
 * address, one epoch's scores, one day of logs. All snapshots were written minutes ago, so the
 * retention used is 0s with the last 5 kept: what a 7-day retention leaves after D days.
 */
public final class MaintenanceBench {
  public static void main(String[] args) throws Exception {
    int days = 60;
    int batches = 4;
    int logsPerDay = 2000;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--days" -> days = Integer.parseInt(args[++i]);
        case "--batches" -> batches = Integer.parseInt(args[++i]);
        case "--logs-per-day" -> logsPerDay = Integer.parseInt(args[++i]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    Path out = Files.createTempDirectory("poa-bench-maintenance-");
    PoaSpark.localSession("poa-bench", "local[2]", 2)
        .getOrCreate().sparkContext().setLogLevel("WARN");
    PoaConfig config = new PoaConfig(out.resolve("lakehouse"), "poa", Map.of());
    SparkSession spark = PoaSpark.session(config);
    Lakehouse lh = Lakehouse.of(spark, config.catalogName());
    lh.migrate();
    Generator g = new Generator(spark, lh);
    LocalDate first = LocalDate.parse("2026-01-01");
    long t0 = System.nanoTime();
    int perBatch = Math.max(1, logsPerDay / batches);
    for (int d = 0; d < days; d++) {
      String epoch = first.plusDays(d).toString();
      String ts = "TIMESTAMP '" + epoch + " 12:00:00'";
      for (int b = 0; b < batches; b++) {
        String batch = "'" + epoch + "-" + b + "'";
        g.append(Tables.SUBMISSIONS, perBatch / 10, Map.of("datanet", "'notes'", "ingested_at", ts, "batch_id", batch));
        g.append(Tables.INGEST_RUNS, 1, Map.of("batch_id", batch, "datanet", "'notes'"));
        g.append(Tables.INFERENCE_LOGS, perBatch, Map.of("epoch", "'" + epoch + "'", "batch_id", batch,
            "request_id", "concat(" + batch + ", '-', id)", "adapter_id", "'ad'"));
        g.append(Tables.LOG_INGEST_RUNS, 1, Map.of("batch_id", batch));
      }
      Map<String, String> e = Map.of("epoch", "'" + epoch + "'", "method", "'span'");
      g.overwrite(Tables.SCORES, logsPerDay * 4L, e, epoch);
      g.overwrite(Tables.INFERENCE_SUMMARY, logsPerDay, e, epoch);
      g.append(Tables.ATTRIBUTION_RUNS, 1, e);
      Map<String, Long> pinned = new LinkedHashMap<>();
      for (TableDefinition t : List.of(Tables.INFERENCE_LOGS, Tables.SCORES, Tables.INFERENCE_SUMMARY, Tables.EPOCH_PAYOUTS)) {
        pinned.put(t.qualifiedName(), lh.currentSnapshotId(t));
      }
      g.overwrite(Tables.EPOCH_PAYOUTS, logsPerDay / 5, Map.of("epoch", "'" + epoch + "'",
          "address", "concat('0x', lpad(hex(id % 397), 40, '0'))"), epoch);
      StringBuilder map = new StringBuilder("map(");
      pinned.forEach((k, v) -> map.append(map.length() > 4 ? ", " : "").append("'").append(k).append("', ").append(v)
          .append("L"));
      g.append(Tables.MANIFESTS, 1, Map.of("epoch", "'" + epoch + "'", "input_snapshots", map + ")"));
      if ((d + 1) % 10 == 0) {
        System.err.printf("[bench] maintenance: %d days written (%.0fs)%n", d + 1, (System.nanoTime() - t0) / 1e9);
      }
    }
    double generate = (System.nanoTime() - t0) / 1e9;
    String month = first.plusDays(Math.max(0, days - 30)).toString();
    String lastEpoch = first.plusDays(days - 1).toString();
    Map<String, String> queries = new LinkedHashMap<>();
    queries.put("a month of payouts for one address", "SELECT epoch, sum(amount_wei) FROM poa.rewards.epoch_payouts"
        + " WHERE address = concat('0x', lpad(hex(7), 40, '0')) AND epoch >= '" + month + "' GROUP BY epoch");
    queries.put("one epoch's scores", "SELECT contributor, sum(share) FROM poa.attribution.scores WHERE epoch = '"
        + lastEpoch + "' GROUP BY contributor");
    queries.put("one day of logs", "SELECT count(*), sum(fee_wei) FROM poa.serving.inference_logs WHERE epoch = '"
        + lastEpoch + "'");

    Map<String, double[]> before = measure(spark, lh, config, queries);
    Map<String, List<String>> answers = answers(spark, queries);
    long[] sizeBefore = totals(lh);
    long m0 = System.nanoTime();
    MaintainJob.Result r = new MaintainJob(lh, Progress.to(System.err, "maintain")).run(MaintainJob.Config.defaults()
        .withRetain(Duration.ZERO, 5).withOrphansOlderThan(Duration.ofHours(1)));
    double maintain = (System.nanoTime() - m0) / 1e9;
    long[] sizeAfter = totals(lh);
    Map<String, double[]> after = measure(spark, lh, config, queries);
    if (!answers.equals(answers(spark, queries))) {
      throw new IllegalStateException("a query's result changed with maintenance");
    }
    if (r.failed() > 0) {
      throw new IllegalStateException("maintenance failed on a table: " + r.tables());
    }

    System.out.printf("%nmaintenance: %d daily epochs, %d batches/day of submissions and logs, %,d logs/day;"
        + " generated in %.0f s; poa maintain %.1f s (%s)%n", days, batches, logsPerDay, generate, maintain,
        r.tags().describe());
    System.out.printf("| measure | before | after | after/before |%n|---|---:|---:|---:|%n");
    String[] names = {"data files (all tables)", "metadata bytes (all tables)", "snapshots (all tables)"};
    for (int i = 0; i < 3; i++) {
      System.out.printf("| %s | %,d | %,d | %.2f |%n", names[i], sizeBefore[i], sizeAfter[i],
          sizeAfter[i] / (double) sizeBefore[i]);
    }
    for (String q : before.keySet()) {
      System.out.printf("| %s (median of 5) | %.0f ms | %.0f ms | %.2f |%n", q, before.get(q)[0], after.get(q)[0],
          after.get(q)[0] / before.get(q)[0]);
    }
    System.out.println("query results identical before and after: yes");
    System.out.println();
    // ratios are after/before: lower is better; seconds is what poa maintain took (or the query after it)
    Figures.print("maintenance", "poa maintain", days, "days", maintain, maintain, "s", null, null, null);
    for (int i = 0; i < 3; i++) {
      Figures.print("maintenance", names[i], days, "days", maintain, sizeAfter[i], i == 1 ? "bytes" : "count", (double) sizeBefore[i],
          sizeAfter[i] / (double) sizeBefore[i], null);
    }
    for (String q : before.keySet()) {
      Figures.print("maintenance", q, days, "days", after.get(q)[0] / 1e3, after.get(q)[0], "ms", before.get(q)[0],
          after.get(q)[0] / before.get(q)[0], null);
    }
  }

  /** data files, metadata bytes, snapshots: summed over every table. */
  static long[] totals(Lakehouse lh) {
    long[] t = new long[3];
    MaintainJob job = new MaintainJob(lh, Progress.SILENT);
    for (TableDefinition d : Tables.ALL) {
      Table table = lh.table(d);
      table.refresh();
      MaintainJob.Counts c = job.counts(table);
      t[0] += c.dataFiles();
      t[1] += c.metadataBytes();
      t[2] += c.snapshots();
    }
    return t;
  }

  static Map<String, List<String>> answers(SparkSession spark, Map<String, String> queries) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    queries.forEach((k, q) -> out.put(k, spark.sql(q).collectAsList().stream().map(Row::toString).sorted().toList()));
    return out;
  }

  /** Median of 5 timed runs of each query (after one warm-up), and of `poa tables` run in this JVM. */
  static Map<String, double[]> measure(SparkSession spark, Lakehouse lh, PoaConfig config, Map<String, String> queries) {
    Map<String, double[]> out = new LinkedHashMap<>();
    String[] tables = {"--warehouse", config.warehouse().toString(), "tables"};
    out.put("poa tables", new double[] {median(() -> {
      StringWriter sink = new StringWriter();
      java.io.PrintStream stdout = System.out;
      int code;
      try {
        System.setOut(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
        code = PoaCli.execute(tables, new PrintWriter(sink), new PrintWriter(sink), false);
      } finally {
        System.setOut(stdout);
      }
      if (code != 0) {
        throw new IllegalStateException("poa tables: exit " + code + "\n" + sink);
      }
    })});
    queries.forEach((k, q) -> out.put(k, new double[] {median(() -> spark.sql(q).collectAsList())}));
    return out;
  }

  static double median(Runnable r) {
    r.run();
    double[] ms = new double[5];
    for (int i = 0; i < ms.length; i++) {
      long t = System.nanoTime();
      r.run();
      ms[i] = (System.nanoTime() - t) / 1e6;
    }
    return Figures.median(ms);
  }

  /** Rows for any poa table from its schema: every column a value of its type, some given as SQL expressions. */
  static final class Generator {
    final SparkSession spark;
    final Lakehouse lh;

    Generator(SparkSession spark, Lakehouse lh) {
      this.spark = spark;
      this.lh = lh;
    }

    Dataset<Row> rows(TableDefinition t, long n, Map<String, String> given) {
      List<String> exprs = new ArrayList<>();
      for (StructField f : spark.table(lh.sparkName(t)).schema().fields()) {
        String e = given.getOrDefault(f.name(), value(f.dataType(), f.name()));
        exprs.add("CAST(" + e + " AS " + f.dataType().sql() + ") AS `" + f.name() + "`");
      }
      return spark.range(n).selectExpr(exprs.toArray(String[]::new));
    }

    void append(TableDefinition t, long n, Map<String, String> given) throws Exception {
      rows(t, n, given).writeTo(lh.sparkName(t)).option("check-nullability", "false").append();
    }

    void overwrite(TableDefinition t, long n, Map<String, String> given, String epoch) throws Exception {
      rows(t, n, given).writeTo(lh.sparkName(t)).option("check-nullability", "false").overwrite(org.apache.spark.sql.functions.col("epoch").equalTo(epoch));
    }

    static String value(DataType type, String name) {
      if (type instanceof LongType || type instanceof IntegerType) {
        return "id";
      }
      if (type instanceof DecimalType) {
        return "id * 1000000007";
      }
      if (type instanceof DoubleType || type instanceof FloatType) {
        return "(id % 1000) / 1000.0";
      }
      if (type instanceof BooleanType) {
        return "id % 2 = 0";
      }
      if (type instanceof TimestampType) {
        return "TIMESTAMP '2026-01-01 00:00:00' + make_interval(0, 0, 0, 0, 0, 0, id % 86400)";
      }
      if (type instanceof BinaryType) {
        return "unhex(sha2(CAST(id AS STRING), 256))";
      }
      if (type instanceof ArrayType) {
        return "array()";
      }
      if (type instanceof MapType) {
        return "map()";
      }
      if (name.equals("contributor") || name.equals("address")) {
        return "concat('0x', lpad(hex(id % 401), 40, '0'))";
      }
      return "concat('" + name + "-', id % 997)";
    }
  }
}
