package dev.poa.export;

/**
 * Why an adapter cannot be exported: a stable code (for scripts and the run's report) and a
 * message a person can act on.
 */
public final class AdapterProblem extends Exception {
  /** The codes, one per kind of fault. */
  public enum Code {
    /** The artifact's files could not be read. */
    FETCH_FAILED,
    /** A file is shorter than its header says. */
    TRUNCATED_FILE,
    /** The safetensors header is not a sane length-prefixed JSON object of tensors. */
    BAD_HEADER,
    /** A tensor's dtype is not one safetensors defines. */
    UNKNOWN_DTYPE,
    /** A tensor's byte range is not elements × dtype size. */
    SIZE_MISMATCH,
    /** The tensors' byte ranges do not tile the data section from 0 to its end. */
    OFFSETS_NOT_CONTIGUOUS,
    /** adapter_config.json is missing a field or holds a wrong one. */
    BAD_CONFIG,
    /** A target module has no lora_A / lora_B pair. */
    MISSING_MODULE,
    /** A tensor is not a LoRA weight of a target module. */
    UNEXPECTED_TENSOR,
    /** A lora_A / lora_B shape does not match the rank (or its pair). */
    WRONG_RANK,
    /** A weight holds NaN or ±Inf. */
    NON_FINITE,
    /** A conversion to a smaller dtype would overflow its range. */
    CONVERSION_OVERFLOW;

    public String id() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  private final Code code;

  public AdapterProblem(Code code, String message) {
    super(message);
    this.code = code;
  }

  public Code code() {
    return code;
  }

  @Override
  public String toString() {
    return code.id() + ": " + getMessage();
  }
}
