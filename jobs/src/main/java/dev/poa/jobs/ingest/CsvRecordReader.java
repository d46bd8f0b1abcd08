package dev.poa.jobs.ingest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * RFC 4180 CSV records from a byte stream: comma-separated, fields optionally in double quotes,
 * {@code ""} escapes a quote inside a quoted field, quoted fields may span lines, records end at
 * LF or CRLF. Works on bytes, so invalid UTF-8 inside a field is seen by the validator instead of
 * being silently replaced. Each record keeps its raw bytes and its first line number.
 */
final class CsvRecordReader {
  /** One record; {@code error} is set when it is malformed (fields may then be partial). */
  record Record(long line, byte[] raw, List<byte[]> fields, String error) {}

  private final InputStream in;
  private long line = 1;
  private int peeked = -2;

  CsvRecordReader(InputStream in) {
    this.in = in;
  }

  private int read() throws IOException {
    if (peeked != -2) {
      int c = peeked;
      peeked = -2;
      return c;
    }
    return in.read();
  }

  private int peek() throws IOException {
    if (peeked == -2) {
      peeked = in.read();
    }
    return peeked;
  }

  /** The next record, or null at end of input. */
  Record next() throws IOException {
    int c = read();
    if (c == -1) {
      return null;
    }
    long startLine = line;
    ByteArrayOutputStream raw = new ByteArrayOutputStream();
    ByteArrayOutputStream field = new ByteArrayOutputStream();
    List<byte[]> fields = new ArrayList<>();
    boolean inQuotes = false;
    boolean quotedField = false;
    boolean afterClosingQuote = false;
    String error = null;
    while (true) {
      if (c == -1) {
        if (inQuotes) {
          error = "unterminated quoted field";
        }
        break;
      }
      if (inQuotes) {
        raw.write(c);
        if (c == '"') {
          if (peek() == '"') {
            raw.write(read());
            field.write('"');
          } else {
            inQuotes = false;
            afterClosingQuote = true;
          }
        } else {
          if (c == '\n') {
            line++;
          }
          field.write(c);
        }
      } else if (c == ',') {
        raw.write(c);
        fields.add(field.toByteArray());
        field.reset();
        quotedField = false;
        afterClosingQuote = false;
      } else if (c == '\n' || c == '\r') {
        if (c == '\r' && peek() == '\n') {
          read();
        }
        line++;
        break;
      } else if (c == '"' && field.size() == 0 && !quotedField) {
        raw.write(c);
        inQuotes = true;
        quotedField = true;
      } else {
        raw.write(c);
        if (afterClosingQuote || c == '"') {
          if (error == null) {
            error = "stray quote or text after a closing quote";
          }
        }
        field.write(c);
      }
      c = read();
    }
    fields.add(field.toByteArray());
    return new Record(startLine, raw.toByteArray(), fields, error);
  }
}
