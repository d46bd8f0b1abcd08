package dev.poa.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.poa.SharedSpark;
import dev.poa.jobs.ingest.ConnectedComponents;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

class ConnectedComponentsTest {
  static final StructType EDGES = new StructType().add("u", DataTypes.LongType).add("v", DataTypes.LongType);

  static long find(Map<Long, Long> parent, long x) {
    while (parent.get(x) != x) {
      x = parent.get(x);
    }
    return x;
  }

  @Test
  void matchesUnionFindOnRandomGraphs() {
    Random r = new Random(3);
    for (int trial = 0; trial < 3; trial++) {
      List<Row> edges = new ArrayList<>();
      Map<Long, Long> parent = new HashMap<>();
      // A long path (diameter 60), plus random sparse edges over large ids.
      for (long i = 0; i < 60; i++) {
        edges.add(RowFactory.create(1000 + i * 7919 % 60, 1000 + (i + 1) * 7919 % 60));
      }
      for (int i = 0; i < 150; i++) {
        long u = r.nextInt(400) * 1_000_003L - 200_000_000L;
        long v = r.nextInt(400) * 1_000_003L - 200_000_000L;
        edges.add(RowFactory.create(u, v));
      }
      for (Row e : edges) {
        parent.putIfAbsent(e.getLong(0), e.getLong(0));
        parent.putIfAbsent(e.getLong(1), e.getLong(1));
        long a = find(parent, e.getLong(0));
        long b = find(parent, e.getLong(1));
        if (a != b) {
          parent.put(Math.max(a, b), Math.min(a, b));
        }
      }
      // self-loops, which both ways drop, and edges given twice and both ways round
      edges.add(RowFactory.create(5L, 5L));
      edges.add(edges.get(3));
      edges.add(RowFactory.create(edges.get(70).getLong(1), edges.get(70).getLong(0)));
      ConnectedComponents.Result cc =
          ConnectedComponents.run(SharedSpark.spark().createDataFrame(edges, EDGES), 100);
      Map<Long, Long> got = components(cc);
      ConnectedComponents.Forest onDriver = onDriver(edges);
      assertEquals(got, components(onDriver), "trial " + trial + ": on the driver");
      assertEquals(got.size(), onDriver.size(), "one row per node");
      Map<Long, Long> expectedRoot = new HashMap<>();
      for (long node : parent.keySet()) {
        long root = find(parent, node);
        if (parent.keySet().stream().anyMatch(n -> n != root && find(parent, n) == root)) {
          expectedRoot.put(node, root); // nodes in components of size >= 2 (self-loops dropped)
        }
      }
      assertEquals(expectedRoot, got, "trial " + trial);
    }
  }

  @Test
  void noEdgesNoComponentsEitherWay() {
    List<Row> loopsOnly = List.of(RowFactory.create(7L, 7L));
    assertEquals(0, ConnectedComponents.run(SharedSpark.spark().createDataFrame(loopsOnly, EDGES), 10)
        .components().count());
    assertEquals(0, onDriver(loopsOnly).size());
  }

  static ConnectedComponents.Forest onDriver(List<Row> edges) {
    long[] us = edges.stream().mapToLong(e -> e.getLong(0)).toArray();
    long[] vs = edges.stream().mapToLong(e -> e.getLong(1)).toArray();
    return ConnectedComponents.onDriver(us, vs);
  }

  static Map<Long, Long> components(ConnectedComponents.Result cc) {
    return components(cc.components().collectAsList());
  }

  static Map<Long, Long> components(ConnectedComponents.Forest forest) {
    return components(forest.components(SharedSpark.spark()).collectAsList());
  }

  static Map<Long, Long> components(List<Row> rows) {
    Map<Long, Long> got = new HashMap<>();
    rows.forEach(row -> {
      Long before = got.put(row.getLong(0), row.getLong(1));
      assertEquals(null, before, "node " + row.getLong(0) + " has two roots");
    });
    return got;
  }
}
