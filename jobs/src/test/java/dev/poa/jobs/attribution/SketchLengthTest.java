package dev.poa.jobs.attribution;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.unsafe.types.UTF8String;
import org.junit.jupiter.api.Test;

/**
 * A sketch whose length is not its spec's k, or with a missing number, is refused with an error naming
 * it, for the queries and for the training sketches, instead of being read into the matrix as part of
 * its neighbour (or as a 0).
 */
class SketchLengthTest {
  static final String SPEC = "rp1:k=3:seed=1";

  /** A training sketch's row as Spark holds it: (contribution_id, contributor, datanet, sketch, sketch_spec). */
  static InternalRow row(String id, float... sketch) {
    return row(id, SPEC, sketch);
  }

  static InternalRow row(String id, String spec, float... sketch) {
    return new GenericInternalRow(new Object[] {UTF8String.fromString(id), UTF8String.fromString("0xc"),
        UTF8String.fromString("d"), UnsafeArrayData.fromPrimitiveArray(sketch), UTF8String.fromString(spec)});
  }

  @Test
  void aSketchOfTheSpecsLengthIsCopiedIntoItsRow() {
    float[] into = new float[3 * 2];
    GradientAttribution.copySketch(new float[] {1, 2}, 2, into, 1, "q");
    GradientAttribution.copySketch(new float[] {5, 6}, 2, into, 2, "q");
    assertArrayEquals(new float[] {0, 0, 1, 2, 5, 6}, into);
  }

  @Test
  void aShorterOrLongerQuerySketchIsRefusedNamingIt() {
    float[] into = new float[4 * 3];
    for (float[] wrong : List.of(new float[] {1, 2}, new float[] {1, 2, 3, 4})) {
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> GradientAttribution.copySketch(wrong, 3, into, 1, "the gradient sketch of inference r-7"));
      assertTrue(e.getMessage().startsWith("the gradient sketch of inference r-7 has " + wrong.length + " numbers"),
          e.getMessage());
      assertTrue(e.getMessage().contains("k = 3"), e.getMessage());
    }
    assertArrayEquals(new float[12], into, "nothing copied");
  }

  @Test
  void packingTrainingSketchesRefusesOneOfAnotherLength() {
    List<GradientAttribution.Block> ok = GradientAttribution.Block.pack(
        List.of(row("c1", 1, 2, 3), row("c2", 4, 5, 6), row("c3", 7, 8, 9)).iterator(), 2);
    assertEquals(2, ok.size());
    assertArrayEquals(new float[] {7, 8, 9, 0, 0, 0}, ok.get(1).sketches());
    assertEquals(SPEC, ok.get(1).spec());
    assertEquals(3, ok.get(1).k(), "k from the spec");
    assertArrayEquals(new String[] {"c1", "c2"}, ok.get(0).ids());
    assertArrayEquals(new String[] {"0xc", "0xc"}, ok.get(0).contributors());
    assertArrayEquals(new String[] {"d", null}, ok.get(1).datanets());
    // one String per name in the partition, across blocks
    assertSame(ok.get(0).contributors()[0], ok.get(1).contributors()[0]);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> GradientAttribution.Block.pack(
        List.of(row("c1", 1, 2, 3), row("c2", 4, 5, 6), row("c3", 7, 8)).iterator(), 2));
    assertTrue(e.getMessage().startsWith("the training sketch of contribution c3 has 2 numbers"), e.getMessage());
  }

  @Test
  void aSketchWithAMissingNumberIsRefusedNamingIt() {
    InternalRow holed = new GenericInternalRow(new Object[] {UTF8String.fromString("c9"), UTF8String.fromString("0xc"),
        UTF8String.fromString("d"), new GenericArrayData(new Object[] {1f, null, 3f}), UTF8String.fromString(SPEC)});
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> GradientAttribution.Block.pack(List.of(row("c1", 1, 2, 3), holed).iterator(), 2));
    assertTrue(e.getMessage().startsWith("the training sketch of contribution c9 has no number at position 1"),
        e.getMessage());
    assertArrayEquals(new float[] {1, 2, 3}, GradientAttribution.floats(UnsafeArrayData.fromPrimitiveArray(
        new float[] {1, 2, 3}), "q"));
  }

  @Test
  void trainingSketchesOfTwoSpecsAreRefusedNamingBoth() {
    // in one partition: the row of the second spec is named, with the first row of the first
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> GradientAttribution.Block.pack(
        List.of(row("c1", 1, 2, 3), row("c2", 4, 5, 6), row("c3", "rp1:k=3:seed=2", 7, 8, 9)).iterator(), 2));
    assertTrue(e.getMessage().startsWith("the training sketch of contribution c3 has sketch spec rp1:k=3:seed=2, but"
        + " contribution c1 of the same adapter has rp1:k=3:seed=1"), e.getMessage());
    // in two partitions: the adapter is named with both specs; partitions without sketches do not count
    GradientAttribution.GramPart a = new GradientAttribution.GramPart(null, List.of(), SPEC);
    GradientAttribution.GramPart none = new GradientAttribution.GramPart(null, List.of(), null);
    GradientAttribution.GramPart b = new GradientAttribution.GramPart(null, List.of(), "rp1:k=4:seed=1");
    assertEquals(SPEC, GradientAttribution.GramPart.spec("lora-a", List.of(none, a, none, a)));
    assertEquals(null, GradientAttribution.GramPart.spec("lora-a", List.of(none, none)), "no training gradients");
    e = assertThrows(IllegalStateException.class, () -> GradientAttribution.GramPart.spec("lora-a", List.of(a, none, b)));
    assertTrue(e.getMessage().startsWith("the training gradients of adapter lora-a have two sketch specs, "
        + SPEC + " and rp1:k=4:seed=1"), e.getMessage());
  }
}
