package dev.poa.schemas;

/**
 * There is nothing for a stage to do, and nothing after it for this epoch either (an epoch with
 * no inference): nothing was written. The CLI exits with code 9, which a scheduler reads as "skip
 * the rest of this epoch's run", not as a failure.
 */
public class NothingToDoException extends IllegalStateException implements ExitStatus {
  @Override
  public int exitCode() {
    return ExitStatus.NOTHING_TO_DO;
  }

  public NothingToDoException(String message) {
    super(message);
  }
}
