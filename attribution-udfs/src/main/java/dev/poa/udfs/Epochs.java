package dev.poa.udfs;

import dev.poa.schemas.BadInputException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/**
 * The epoch rule: an inference belongs to the epoch of the UTC calendar day of its
 * {@code served_at}; the epoch id is that date, {@code YYYY-MM-DD}. An epoch is named by its id or
 * by any timestamp (with offset) inside it. Once an epoch is finalised (its reward manifest is
 * written), a log that arrives late for it belongs to the first epoch not finalised yet.
 */
public final class Epochs {
  private Epochs() {}

  public static String of(Instant servedAt) {
    return servedAt.atOffset(ZoneOffset.UTC).toLocalDate().toString();
  }

  /** The epoch id named by {@code e}: an id ({@code 2026-11-26}) or a timestamp within it. */
  public static String resolve(String e) {
    try {
      return LocalDate.parse(e).toString();
    } catch (DateTimeParseException notADate) {
      try {
        return of(OffsetDateTime.parse(e).toInstant());
      } catch (DateTimeParseException notATimestamp) {
        throw new BadInputException(
            "Epoch '" + e + "' is neither an epoch id (YYYY-MM-DD, a UTC day) nor a timestamp with offset");
      }
    }
  }

  /** The epoch after {@code epoch}. */
  public static String next(String epoch) {
    return LocalDate.parse(epoch).plusDays(1).toString();
  }

  public static Instant start(String epoch) {
    return LocalDate.parse(epoch).atStartOfDay(ZoneOffset.UTC).toInstant();
  }

  public static Instant end(String epoch) {
    return LocalDate.parse(epoch).plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
  }
}
