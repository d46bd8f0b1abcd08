package dev.poa.udfs;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * SPDX license identifiers and simple expressions. Identifiers come from the bundled list
 * ({@code spdx-licenses.txt}, SPDX License List identifiers); {@code LicenseRef-...} ids are
 * accepted as the SPDX spec allows. Expressions join ids with AND / OR, optionally with
 * {@code WITH <exception>} and parentheses; a trailing {@code +} is accepted. Matching is
 * case-insensitive, as the SPDX spec says.
 */
public final class Spdx {
  private static final Pattern LICENSE_REF = Pattern.compile("LicenseRef-[A-Za-z0-9.\\-]+");
  private static final Set<String> IDS = load("spdx-licenses.txt");
  private static final Set<String> EXCEPTIONS = load("spdx-exceptions.txt");

  private Spdx() {}

  private static Set<String> load(String resource) {
    Set<String> ids = new HashSet<>();
    try (InputStream in = Spdx.class.getResourceAsStream(resource);
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        line = line.strip();
        if (!line.isEmpty() && !line.startsWith("#")) {
          ids.add(line.toLowerCase(Locale.ROOT));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Set.copyOf(ids);
  }

  public static boolean isKnownId(String id) {
    String bare = id.endsWith("+") ? id.substring(0, id.length() - 1) : id;
    return IDS.contains(bare.toLowerCase(Locale.ROOT)) || LICENSE_REF.matcher(bare).matches();
  }

  /** True if {@code expr} is a single id or a well-formed expression of known ids. */
  public static boolean isValidExpression(String expr) {
    String spaced = expr.replace("(", " ( ").replace(")", " ) ").strip();
    if (spaced.isEmpty()) {
      return false;
    }
    String[] tokens = spaced.split("\\s+");
    int depth = 0;
    boolean expectOperand = true;
    for (int i = 0; i < tokens.length; i++) {
      String t = tokens[i];
      if (expectOperand) {
        if (t.equals("(")) {
          depth++;
        } else if (isKnownId(t)) {
          expectOperand = false;
        } else {
          return false;
        }
      } else {
        if (t.equals(")")) {
          if (--depth < 0) {
            return false;
          }
        } else if (t.equals("AND") || t.equals("OR")) {
          expectOperand = true;
        } else if (t.equals("WITH")) {
          if (i + 1 >= tokens.length || !EXCEPTIONS.contains(tokens[i + 1].toLowerCase(Locale.ROOT))) {
            return false;
          }
          i++;
        } else {
          return false;
        }
      }
    }
    return depth == 0 && !expectOperand;
  }
}
