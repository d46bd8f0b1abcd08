package dev.poa.jobs;

import dev.poa.schemas.ExitStatus;

/**
 * What a command was asked to do contradicts what the lakehouse holds (e.g. attributing an epoch
 * whose rewards are final, or a concurrent writer that committed the same epoch first): nothing
 * was changed. The CLI exits with code 4.
 */
public class ConflictException extends IllegalStateException implements ExitStatus {
  @Override
  public int exitCode() {
    return ExitStatus.CONFLICT;
  }

  public ConflictException(String message) {
    super(message);
  }

  public ConflictException(String message, Throwable cause) {
    super(message, cause);
  }
}
