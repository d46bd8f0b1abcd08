package dev.poa.schemas;

/**
 * A stage refused to run because what it needs is not there yet: nothing was written. The message
 * names what makes it ready (the stage to run first, or how long to wait). The CLI exits with code
 * 8 for it, which a scheduler reads as "try again later".
 */
public class NotReadyException extends IllegalStateException implements ExitStatus {
  @Override
  public int exitCode() {
    return ExitStatus.NOT_READY;
  }

  public NotReadyException(String message) {
    super(message);
  }
}
