package dev.poa.jobs;

import dev.poa.schemas.BadInputException;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Settings of one poa process. Precedence, lowest first: embedded defaults, the config file
 * ({@code --config}, env {@code POA_CONFIG}, else {@code ./poa.properties} if present),
 * environment ({@code POA_WAREHOUSE}, {@code POA_CATALOG}), then {@code --conf key=value}.
 * Values may reference the environment as {@code ${env:NAME}} so that secrets (catalog passwords,
 * S3 keys) never need to be written into a file.
 *
 * <p>Keys starting with {@code spark.} go to the Spark session (catalog settings included);
 * {@code poa.*} keys tune the jobs.
 */
public record PoaConfig(Path warehouse, String catalogName, Map<String, String> settings) {
  public static final String DEFAULT_CATALOG = "poa";
  public static final String DEFAULT_WAREHOUSE = "./lakehouse";
  private static final Pattern ENV_REF = Pattern.compile("\\$\\{env:([A-Za-z_][A-Za-z0-9_]*)}");
  private static final Pattern SECRET_KEY =
      Pattern.compile("(?i).*(password|secret|token|credential|access\\.key|private).*");

  public PoaConfig {
    settings = Collections.unmodifiableMap(new LinkedHashMap<>(settings));
  }

  public static PoaConfig embedded(Path warehouse) {
    return new PoaConfig(warehouse, DEFAULT_CATALOG, Map.of());
  }

  public PoaConfig with(String key, String value) {
    Map<String, String> s = new LinkedHashMap<>(settings);
    s.put(key, value);
    return new PoaConfig(warehouse, catalogName, s);
  }

  public String get(String key, String dflt) {
    return settings.getOrDefault(key, dflt);
  }

  public double getDouble(String key, double dflt) {
    return parse(key, dflt, Double::parseDouble, "a number");
  }

  public long getLong(String key, long dflt) {
    return parse(key, dflt, Long::parseLong, "an integer");
  }

  private <T> T parse(String key, T dflt, java.util.function.Function<String, T> parser, String what) {
    String v = settings.get(key);
    try {
      return v == null ? dflt : parser.apply(v.strip());
    } catch (NumberFormatException e) {
      throw new BadInputException("Setting " + key + "=" + v + " is not " + what);
    }
  }

  public boolean getBoolean(String key, boolean dflt) {
    String v = settings.get(key);
    return v == null ? dflt : Boolean.parseBoolean(v);
  }

  /**
   * Resolves the configuration of a CLI invocation.
   *
   * @param warehouseOption {@code --warehouse}, or null
   * @param configFile {@code --config}, or null
   * @param overrides {@code --conf} pairs
   * @param env the process environment
   */
  public static PoaConfig resolve(
      String warehouseOption, Path configFile, Map<String, String> overrides, Map<String, String> env) {
    Map<String, String> s = new LinkedHashMap<>();
    Path file = configFile;
    if (file == null && env.get("POA_CONFIG") != null) {
      file = Path.of(env.get("POA_CONFIG"));
    }
    if (file == null && Files.isRegularFile(Path.of("poa.properties"))) {
      file = Path.of("poa.properties");
    }
    if (file != null) {
      if (!Files.isRegularFile(file)) {
        throw new BadInputException("Config file " + file + " does not exist");
      }
      Properties p = new Properties();
      try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        p.load(r);
      } catch (IOException e) {
        throw new BadInputException("Cannot read config file " + file + ": " + e.getMessage());
      }
      new TreeMap<>(p).forEach((k, v) -> s.put(k.toString(), v.toString()));
    }
    s.putAll(overrides);
    s.replaceAll((k, v) -> expandEnv(k, v, env));

    String warehouse = s.getOrDefault("poa.warehouse", DEFAULT_WAREHOUSE);
    if (env.get("POA_WAREHOUSE") != null && !overrides.containsKey("poa.warehouse")) {
      warehouse = env.get("POA_WAREHOUSE");
    }
    if (warehouseOption != null) {
      warehouse = warehouseOption;
    }
    String catalog = s.getOrDefault("poa.catalog", env.getOrDefault("POA_CATALOG", DEFAULT_CATALOG));
    return new PoaConfig(Path.of(warehouse), catalog, s);
  }

  private static String expandEnv(String key, String value, Map<String, String> env) {
    Matcher m = ENV_REF.matcher(value);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String v = env.get(m.group(1));
      if (v == null) {
        throw new BadInputException(
            "Setting " + key + " refers to environment variable " + m.group(1) + ", which is not set");
      }
      m.appendReplacement(out, Matcher.quoteReplacement(v));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** Settings safe to print: values of keys that look secret are masked. */
  public Map<String, String> redacted() {
    Map<String, String> out = new TreeMap<>();
    settings.forEach((k, v) -> out.put(k, isSecretKey(k) ? "******" : v));
    return out;
  }

  public static boolean isSecretKey(String key) {
    return SECRET_KEY.matcher(key).matches();
  }
}
