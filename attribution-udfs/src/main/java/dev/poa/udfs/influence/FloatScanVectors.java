package dev.poa.udfs.influence;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link FloatScan#firstAtLeast} a vector of floats at a time. Loaded only when the
 * {@code jdk.incubator.vector} module is in the JVM (see {@link FloatScan#VECTORS}).
 */
final class FloatScanVectors {
  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

  private FloatScanVectors() {}

  /** Whether vectors of this CPU are wide enough to beat the scalar loop. */
  static boolean worthwhile() {
    return SPECIES.length() >= 8;
  }

  static int firstAtLeast(float[] a, int from, int to, float threshold) {
    int lanes = SPECIES.length();
    int i = from;
    for (; i + lanes <= to; i += lanes) {
      // GE is an ordered comparison: false for a NaN lane, as the scalar >=
      VectorMask<Float> m = FloatVector.fromArray(SPECIES, a, i).compare(VectorOperators.GE, threshold);
      if (m.anyTrue()) {
        return i + m.firstTrue();
      }
    }
    return FloatScan.scalarFirstAtLeast(a, i, to, threshold);
  }
}
