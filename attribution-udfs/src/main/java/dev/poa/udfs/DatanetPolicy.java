package dev.poa.udfs;

import java.io.Serializable;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * What a DataNet accepts: which licenses (empty = any valid SPDX expression) and whether every
 * submission must carry the contributor's signature.
 */
public record DatanetPolicy(Set<String> allowedLicenses, boolean signaturesRequired)
    implements Serializable {
  public static final Pattern SLUG = Pattern.compile("[a-z0-9][a-z0-9-]{1,62}");

  /** The policy of a DataNet that ingest registers on first sight: any license, no signature. */
  public static final DatanetPolicy DEFAULT = new DatanetPolicy(Set.of(), false);

  public DatanetPolicy {
    allowedLicenses =
        allowedLicenses.stream().map(l -> l.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
  }

  public boolean allows(String license) {
    return allowedLicenses.isEmpty() || allowedLicenses.contains(license.toLowerCase(Locale.ROOT));
  }
}
