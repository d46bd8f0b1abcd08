package dev.poa.jobs;

/** Spark's checked exceptions, passed on where Java does not declare them. */
public final class Unchecked {
  private Unchecked() {}

  /**
   * {@code t} thrown unchanged: a failed job throws Spark's {@code SparkException}, a checked
   * exception, through APIs that do not declare it (a local iterator, a future's cause); callers see
   * the exception that {@code collect} would have thrown. Written {@code throw Unchecked.rethrow(t)}.
   */
  @SuppressWarnings("unchecked")
  public static <T extends Throwable> T rethrow(Throwable t) throws T {
    throw (T) t;
  }
}
