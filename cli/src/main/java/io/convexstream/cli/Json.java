package io.convexstream.cli;

/** JSON for the summaries of learn and backtest: exact numbers (Java's shortest round-trip form, null where JSON has none) and strings. */
final class Json {
  private Json() {}

  static String number(double v) {
    return Double.isFinite(v) ? Double.toString(v) : "null";
  }

  static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
