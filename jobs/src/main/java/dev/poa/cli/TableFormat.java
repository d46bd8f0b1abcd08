package dev.poa.cli;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;

/** Renders rows as an aligned text table; long values are cut to keep rows on one line. */
final class TableFormat {
  static final int MAX_CELL = 60;

  private TableFormat() {}

  static String render(String[] header, List<Row> rows, int limit) {
    List<String[]> cells = new ArrayList<>();
    cells.add(header);
    for (Row r : rows.subList(0, Math.min(limit, rows.size()))) {
      String[] c = new String[header.length];
      for (int i = 0; i < header.length; i++) {
        c[i] = r.isNullAt(i) ? "NULL" : cut(SqlCommand.value(r.get(i)));
      }
      cells.add(c);
    }
    return render(cells, rows.size() > limit ? "(first " + limit + " rows shown; use --limit)" : rows.size() + " row(s)");
  }

  static String render(List<String[]> cells, String footer) {
    int n = cells.get(0).length;
    int[] w = new int[n];
    for (String[] row : cells) {
      for (int i = 0; i < n; i++) {
        w[i] = Math.max(w[i], row[i].length());
      }
    }
    StringBuilder sb = new StringBuilder();
    for (int r = 0; r < cells.size(); r++) {
      for (int i = 0; i < n; i++) {
        if (i > 0) {
          sb.append("  ");
        }
        String v = cells.get(r)[i];
        sb.append(v);
        if (i < n - 1) {
          sb.append(" ".repeat(w[i] - v.length()));
        }
      }
      sb.append('\n');
      if (r == 0) {
        for (int i = 0; i < n; i++) {
          if (i > 0) {
            sb.append("  ");
          }
          sb.append("-".repeat(w[i]));
        }
        sb.append('\n');
      }
    }
    if (footer != null) {
      sb.append(footer).append('\n');
    }
    return sb.toString();
  }

  private static String cut(String s) {
    String one = s.replace('\n', ' ').replace('\r', ' ').replace('\t', ' ');
    return one.length() <= MAX_CELL ? one : one.substring(0, MAX_CELL - 1) + "…";
  }
}
