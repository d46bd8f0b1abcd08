package dev.poa.jobs.ingest;

import dev.poa.schemas.BadInputException;
import java.util.List;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;

/**
 * The inputs of one batch: its files in ingest order, their format, their fingerprint, and the
 * batch id (given, or derived from the fingerprint so that repeating a command repeats the id).
 */
public record InputBatch(List<InputFile> files, String format, String fingerprint, String batchId) {
  private static final Pattern BATCH_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");

  /** Checks a batch id given by a user; null (derive one) is fine. */
  public static void checkBatchId(String batchId) {
    if (batchId != null && !BATCH_ID.matcher(batchId).matches()) {
      throw new BadInputException(
          "--batch-id '" + batchId + "' must be 1-128 characters of letters, digits and . _ : -");
    }
  }

  /**
   * @param idPrefix prefix of derived batch ids ({@code b-} submissions, {@code l-} logs)
   */
  public static InputBatch resolve(
      Configuration hadoop, List<String> inputs, String format, String batchId, String idPrefix) {
    List<InputFile> files = InputFile.list(hadoop, inputs);
    String fingerprint = InputFile.fingerprint(files);
    return new InputBatch(
        files,
        InputFile.detectFormat(files, format),
        fingerprint,
        batchId != null ? batchId : idPrefix + fingerprint.substring(0, 16));
  }
}
