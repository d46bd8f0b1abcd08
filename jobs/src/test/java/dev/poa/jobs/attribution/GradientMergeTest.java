package dev.poa.jobs.attribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poa.SharedSpark;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CPU merge of the scoring's partial results ({@link GradientAttribution#merge}) gives exactly
 * the rows of the SQL plan the GPU runs ({@link GradientAttribution#combineSql}), doubles by their
 * bits, on partials with the cases that decide a ranking: equal scores in different partitions, ids
 * whose UTF-8 and UTF-16 orders differ (comparing ids as Java strings fails this test), top
 * candidates with no positive amount, queries whose every score is negative.
 */
class GradientMergeTest {
  static final String[] IDS = {"c_a", "c_b", "c_é", "c_\uFFFF", "c_\uD83D\uDE00", "c_A", "c_0", "c_z"};

  @Test
  void theCpuMergeGivesTheRowsOfTheSqlPlan(@TempDir Path dir) {
    int topK = 3;
    GradientAttribution.Settings d = GradientAttribution.Settings.defaults();
    GradientAttribution g = new GradientAttribution(SharedSpark.lakehouse(dir).lakehouse(),
        new GradientAttribution.Settings(d.damping(), d.relativeDamping(), topK, d.queryChunk(), d.blockRows(), 3));
    Random r = new Random(11);
    // every (contributor, datanet) of the test, numbered as the job numbers an adapter's (in each of 3 partitions)
    List<String[]> pairs = new ArrayList<>();
    for (int c = 2; c >= 0; c--) {
      for (int dn = 1; dn >= 0; dn--) {
        pairs.add(new String[] {"0x" + c, "d" + dn});
      }
    }
    GradientAttribution.Keys keys = GradientAttribution.Keys.of(List.of(pairs, pairs, pairs));
    List<GradientAttribution.Partial> partials = new ArrayList<>();
    int requests = 60;
    for (int q = 0; q < requests; q++) {
      int exp = r.nextInt(20) - 10;
      boolean allNegative = q % 10 == 7;
      int id = 0;
      for (int part = 0; part < 3; part++) {
        int n = r.nextInt(topK + 1);
        String[] ids = new String[n];
        String[] contributors = new String[n];
        String[] datanets = new String[n];
        double[] values = new double[n];
        long[] fixed = new long[n];
        for (int i = 0; i < n; i++) {
          ids[i] = IDS[id % IDS.length] + "_" + (id / IDS.length);
          // ties: a few values repeat across partitions; signed zeros; negatives
          double v = switch (r.nextInt(6)) {
            case 0 -> 0.25;
            case 1 -> r.nextBoolean() ? 0.0 : -0.0;
            case 2 -> -r.nextDouble();
            default -> r.nextDouble();
          };
          values[i] = allNegative ? -Math.abs(v) - 0.01 : v;
          fixed[i] = values[i] > 0 ? GradientAttribution.fixed(Math.scalb(values[i], exp), exp) : 0;
          contributors[i] = "0x" + r.nextInt(3);
          datanets[i] = "d" + r.nextInt(2);
          id++;
        }
        // same-tie ids that differ only by the character whose orders differ
        if (n == 2 && r.nextBoolean()) {
          ids[0] = "c_\uFFFF" + q;
          ids[1] = "c_\uD83D\uDE00" + q;
          values[1] = values[0];
          fixed[1] = fixed[0];
        }
        List<String[]> sumKeys = new ArrayList<>();
        List<Long> totals = new ArrayList<>();
        if (!allNegative) {
          for (int c = 0; c < 3; c++) {
            for (int dn = 0; dn < 2; dn++) {
              long own = 0;
              for (int i = 0; i < n; i++) {
                if (contributors[i].equals("0x" + c) && datanets[i].equals("d" + dn)) {
                  own += fixed[i];
                }
              }
              long total = own + (r.nextInt(3) == 0 ? 0 : r.nextInt(1 << 30));
              if (total > 0) {
                sumKeys.add(new String[] {"0x" + c, "d" + dn});
                totals.add(total);
              }
            }
          }
        }
        partials.add(new GradientAttribution.Partial("r" + q, part, exp, ids, numbers(keys, part, contributors, datanets),
            values, fixed, numbers(keys, part, sumKeys.stream().map(k -> k[0]).toArray(String[]::new),
                sumKeys.stream().map(k -> k[1]).toArray(String[]::new)),
            totals.stream().mapToLong(Long::longValue).toArray()));
      }
    }

    List<Row> partialRows = partials.stream().flatMap(p -> p.rows(keys).stream()).toList();
    List<List<Object>> sql = values(g.combineSql(SharedSpark.spark().createDataFrame(partialRows,
        GradientAttribution.PARTIAL)).collectAsList());
    List<Row> merged = new ArrayList<>();
    partials.stream().collect(Collectors.groupingBy(GradientAttribution.Partial::requestId))
        .forEach((request, ps) -> merged.addAll(GradientAttribution.merge(request, ps, topK, keys)));
    List<List<Object>> cpu = values(merged);

    assertTrue(sql.size() > requests, "rows: " + sql.size());
    assertTrue(sql.stream().anyMatch(x -> x.get(1) == null), "rest rows");
    assertTrue(sql.stream().anyMatch(x -> String.valueOf(x.get(1)).startsWith("c_\uD83D")), "ties by UTF-8 order");
    assertEquals(sql, cpu);
    // the same through the shuffle's form: each partial as bytes, grouped by request from sorted rows;
    // the odd requests as a second adapter's, numbered by its own Keys (one more pair shifts them)
    List<String[]> morePairs = new ArrayList<>(pairs);
    morePairs.add(new String[] {"0x0", "d9"});
    GradientAttribution.Keys other = GradientAttribution.Keys.of(List.of(morePairs, morePairs, morePairs));
    List<Row> encoded = new ArrayList<>();
    for (GradientAttribution.Partial p : partials) {
      boolean second = Integer.parseInt(p.requestId().substring(1)) % 2 == 1;
      GradientAttribution.encodedRows(List.of(second ? renumbered(p, keys, other) : p).iterator(), second ? 1 : 0)
          .forEachRemaining(encoded::add);
    }
    encoded.sort(Comparator.comparing((Row x) -> x.getString(0)));
    List<Row> viaBytes = new ArrayList<>();
    GradientAttribution.mergeSorted(encoded.iterator(), topK, adapter -> adapter == 1 ? other : keys)
        .forEachRemaining(viaBytes::add);
    assertEquals(sql, values(viaBytes));
    // and the schema the job declares for them is the SQL plan's
    assertEquals(g.combineSql(SharedSpark.spark().createDataFrame(partialRows, GradientAttribution.PARTIAL)).schema(),
        GradientAttribution.SCORES);
  }

  @Test
  void settingsThatCannotScoreAreRefusedNamingTheKey(@TempDir Path dir) {
    GradientAttribution.Settings d = GradientAttribution.Settings.defaults();
    // as `poa attribute` reports it: bad input, exit 3, before any table is read
    SharedSpark.TestLakehouse t = SharedSpark.lakehouse(dir);
    java.io.StringWriter err = new java.io.StringWriter();
    int code = dev.poa.cli.PoaCli.execute(new String[] {"--warehouse", t.warehouse().toString(), "--conf",
        "poa.catalog=" + t.config().catalogName(), "--conf", "poa.attribution.gradient.top-k=0", "attribute", "--epoch",
        "2026-03-04", "--method", "gradient"}, new java.io.PrintWriter(new java.io.StringWriter(), true),
        new java.io.PrintWriter(err, true), false);
    assertEquals(3, code, err.toString());
    assertTrue(err.toString().contains("poa.attribution.gradient.top-k must be at least 1, got 0"), err.toString());
    dev.poa.schemas.BadInputException e = org.junit.jupiter.api.Assertions.assertThrows(
        dev.poa.schemas.BadInputException.class,
        () -> new GradientAttribution.Settings(d.damping(), d.relativeDamping(), 0, d.queryChunk(), d.blockRows(), 8));
    assertEquals("poa.attribution.gradient.top-k must be at least 1, got 0", e.getMessage());
    org.junit.jupiter.api.Assertions.assertThrows(dev.poa.schemas.BadInputException.class,
        () -> new GradientAttribution.Settings(d.damping(), d.relativeDamping(), 10, d.queryChunk(), 0, 8));
    org.junit.jupiter.api.Assertions.assertThrows(dev.poa.schemas.BadInputException.class,
        () -> new GradientAttribution.Settings(Double.NaN, true, 10, d.queryChunk(), d.blockRows(), 8));
    assertEquals(0.0, new GradientAttribution.Settings(0.0, false, 1, 1, 1, 1).damping(), "no damping is allowed");
  }

  @Test
  void aPartialComesBackFromItsBytesAsItWas() {
    // any Java string: empty, NUL, a lone surrogate, a pair, beyond Latin-1
    GradientAttribution.Partial p = new GradientAttribution.Partial("r-\u00e9\uD800", 5, -1074,
        new String[] {"", "c\u0000x", "c_\uD83D\uDE00", "c_\uDFFF"}, new int[] {0, 7, Integer.MAX_VALUE, -1},
        new double[] {-0.0, Double.MIN_VALUE, Double.NaN, -1e300}, new long[] {0, 1, Long.MAX_VALUE, Long.MIN_VALUE},
        new int[] {3, 9}, new long[] {1L << 62, 42});
    GradientAttribution.Partial back = GradientAttribution.Partial.decode(p.encode());
    assertEquals(p.requestId(), back.requestId());
    assertEquals(p.part(), back.part());
    assertEquals(p.scaleExp(), back.scaleExp());
    assertEquals(List.of(p.topIds()), List.of(back.topIds()));
    assertTrue(java.util.Arrays.equals(p.topKeys(), back.topKeys()));
    for (int i = 0; i < p.topValues().length; i++) {
      assertEquals(Double.doubleToRawLongBits(p.topValues()[i]), Double.doubleToRawLongBits(back.topValues()[i]));
    }
    assertTrue(java.util.Arrays.equals(p.topFixed(), back.topFixed()));
    assertTrue(java.util.Arrays.equals(p.sumKeys(), back.sumKeys()));
    assertTrue(java.util.Arrays.equals(p.sumTotals(), back.sumTotals()));
    // bytes that are not one whole partial are refused, not read as one
    byte[] longer = java.util.Arrays.copyOf(p.encode(), p.encode().length + 1);
    org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
        () -> GradientAttribution.Partial.decode(longer));
    org.junit.jupiter.api.Assertions.assertThrows(java.nio.BufferUnderflowException.class,
        () -> GradientAttribution.Partial.decode(java.util.Arrays.copyOf(p.encode(), p.encode().length - 1)));
  }

  @Test
  void keysNumberPairsInTheMergesOrderAndRefuseAPartitionThatChanged() {
    List<String[]> part0 = List.of(new String[] {"0xb", "d"}, new String[] {"0xa", "e"}, new String[] {"0xa", "d"});
    List<String[]> part1 = List.of(new String[] {"0xa", "e"}, new String[] {"0xc", "d"});
    GradientAttribution.Keys keys = GradientAttribution.Keys.of(List.of(part0, part1));
    assertEquals(List.of("0xa/d", "0xa/e", "0xb/d", "0xc/d"), java.util.stream.IntStream.range(0, 4)
        .mapToObj(i -> keys.contributor(i) + "/" + keys.datanet(i)).toList());
    assertEquals(List.of(2, 1, 0), java.util.Arrays.stream(keys.numbers(0, part0)).boxed().toList());
    assertEquals(List.of(1, 3), java.util.Arrays.stream(keys.numbers(1, part1)).boxed().toList());
    // a partition whose pairs are not those it had when its Gram matrix was summed
    org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, () -> keys.numbers(1, part0));
    org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
        () -> keys.numbers(1, List.of(new String[] {"0xa", "e"}, new String[] {"0xc", "e"})));
  }

  /** The numbers in keys of the pairs (contributor i, datanet i), as partition part's scoring task finds them. */
  /** The partial with its pairs' numbers in another adapter's Keys. */
  static GradientAttribution.Partial renumbered(GradientAttribution.Partial p, GradientAttribution.Keys from,
      GradientAttribution.Keys to) {
    java.util.function.Function<int[], int[]> map = ns -> numbers(to, p.part(),
        java.util.Arrays.stream(ns).mapToObj(from::contributor).toArray(String[]::new),
        java.util.Arrays.stream(ns).mapToObj(from::datanet).toArray(String[]::new));
    return new GradientAttribution.Partial(p.requestId(), p.part(), p.scaleExp(), p.topIds(), map.apply(p.topKeys()),
        p.topValues(), p.topFixed(), map.apply(p.sumKeys()), p.sumTotals());
  }

  static int[] numbers(GradientAttribution.Keys keys, int part, String[] contributors, String[] datanets) {
    int[] numbers = new int[contributors.length];
    for (int i = 0; i < numbers.length; i++) {
      int n = 0;
      while (!keys.contributor(keys.partitionKeys()[part][n]).equals(contributors[i])
          || !keys.datanet(keys.partitionKeys()[part][n]).equals(datanets[i])) {
        n++;
      }
      numbers[i] = keys.partitionKeys()[part][n];
    }
    return numbers;
  }

  /** Rows as value lists, doubles as their bits, in a fixed order. */
  static List<List<Object>> values(List<Row> rows) {
    return rows.stream().map(row -> {
      List<Object> v = new ArrayList<>();
      for (int i = 0; i < row.size(); i++) {
        Object x = row.get(i);
        v.add(x instanceof Double dv ? (Object) Long.toHexString(Double.doubleToRawLongBits(dv)) : x);
      }
      return v;
    }).sorted(Comparator.comparing((List<Object> v) -> String.valueOf(v.get(0)))
        .thenComparing(v -> String.valueOf(v.get(1))).thenComparing(v -> String.valueOf(v.get(2)))
        .thenComparing(v -> String.valueOf(v.get(3)))).toList();
  }
}
