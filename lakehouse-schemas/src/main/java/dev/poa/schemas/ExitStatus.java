package dev.poa.schemas;

/**
 * What a failure means to whoever runs poa, as the exit code the CLI returns for it. An exception
 * that implements this says so itself; any other exception is a job failure (1), whatever its class:
 * an IllegalArgumentException from deep inside a job is a bug or a broken invariant, not bad input.
 */
public interface ExitStatus {
  int FAILED = 1;
  int USAGE = 2;
  int BAD_INPUT = 3;
  int CONFLICT = 4;
  int AUDIT_MISMATCH = 5;
  int SOME_FAILED = 6;
  int PENDING = 7;
  int NOT_READY = 8;
  int NOTHING_TO_DO = 9;

  int exitCode();
}
