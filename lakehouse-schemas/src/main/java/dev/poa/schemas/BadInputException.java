package dev.poa.schemas;

/**
 * The input or configuration a person gave is wrong (a missing file, a malformed option, an unknown
 * DataNet, a setting out of range): nothing was written, and the message says what to change. Exit 3.
 */
public class BadInputException extends IllegalArgumentException implements ExitStatus {
  public BadInputException(String message) {
    super(message);
  }

  public BadInputException(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public int exitCode() {
    return BAD_INPUT;
  }
}
