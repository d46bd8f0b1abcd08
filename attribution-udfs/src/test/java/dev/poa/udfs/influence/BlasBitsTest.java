package dev.poa.udfs.influence;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ludovic.netlib.blas.BLAS;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The gradient's scores are reproducible only if netlib's BLAS gives the same bits before and after
 * the JIT compiles it: a stage's first run in a JVM computes its first products in the interpreter.
 * With the {@code jdk.incubator.vector} module, netlib runs its Vector API kernels, whose lane
 * reductions a JVM may order differently once compiled: on JDK 17 the bits are the same; on JDK 25
 * they are not (bench/RESULTS.md, 2026-12-07, late afternoon). This fails on a JVM where the gradient
 * stage's first and second runs would score differently.
 */
class BlasBitsTest {
  /** Products of the shapes {@link Trak} computes, from the same operands every call. */
  static final class Products {
    private final int m = 64;
    private final int k = 256;
    private final float[] a = new float[m * k];
    private final float[] b = new float[k * m];
    private final double[] da = new double[m * k];
    private final double[] db = new double[k * m];

    Products() {
      Random r = new Random(20261207);
      for (int i = 0; i < a.length; i++) {
        a[i] = (float) r.nextGaussian();
        b[i] = (float) r.nextGaussian();
        da[i] = a[i];
        db[i] = b[i];
      }
    }

    /** The scores' sgemm (Aᵀ·B), the Gram's dgemm (A·Aᵀ) and the whitening's dgemm (A·B), in that order. */
    Object[] compute() {
      BLAS blas = BLAS.getInstance();
      float[] scores = new float[m * m];
      blas.sgemm("T", "N", m, m, k, 1f, a, k, b, k, 0f, scores, m);
      double[] gram = new double[m * m];
      blas.dgemm("N", "T", m, m, k, 1.0, da, m, da, m, 0.0, gram, m);
      double[] whitened = new double[m * m];
      blas.dgemm("N", "N", m, m, k, 1.0, da, m, db, k, 0.0, whitened, m);
      return new Object[] {scores, gram, whitened};
    }
  }

  static final String[] NAMES = {"sgemm T,N (scores)", "dgemm N,T (Gram)", "dgemm N,N (whitening)"};

  /**
   * In a JVM of its own, where netlib has not run yet: the first call's products against those of
   * the 200th, once the JIT has compiled the kernels. Prints the BLAS implementation and each
   * product that differs; exits 1 if any does.
   */
  public static void main(String[] args) {
    Products p = new Products();
    Object[] first = p.compute();
    Object[] last = first;
    for (int i = 1; i < 200; i++) {
      last = p.compute();
    }
    List<String> differ = new ArrayList<>();
    for (int i = 0; i < NAMES.length; i++) {
      boolean same = first[i] instanceof float[] f ? Arrays.equals(f, (float[]) last[i])
          : Arrays.equals((double[]) first[i], (double[]) last[i]);
      if (!same) {
        differ.add(NAMES[i]);
      }
    }
    System.out.println(BLAS.getInstance().getClass().getSimpleName() + " on Java " + Runtime.version().feature()
        + ": " + (differ.isEmpty() ? "the same bits" : "other bits once compiled: " + String.join(", ", differ)));
    System.exit(differ.isEmpty() ? 0 : 1);
  }

  @Test
  void netlibGivesTheSameBitsInterpretedAndCompiled() throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    // the module that makes netlib pick its Vector API kernels, when this JVM has it (as poa's JVMs do)
    if (ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()) {
      cmd.add("--add-modules=jdk.incubator.vector");
    }
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), BlasBitsTest.class.getName()));
    Process child = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    // read to its end: the child has exited or closed its output by then
    String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    child.waitFor();
    String verdict = out.lines().filter(l -> l.contains(" on Java ")).findFirst().orElse(out);
    assertEquals(0, child.exitValue(), "netlib's products changed bits once the JIT compiled them (" + verdict
        + "): on this JVM a gradient stage's first run scores differently from its second");
  }
}
