package io.convexstream.core.portfolio;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the OLPS benchmark CSV format: a header of asset names, then one row per period with each
 * asset's price relative to its price just before the first row. Price relatives:
 * x_1 = row_1, x_t = row_t / row_{t−1}. Non-positive or non-finite prices are rejected.
 */
public final class PriceRelativesCsv {
  /** Asset names, the prices as read (one row per period), and the price relatives. */
  public record Data(List<String> assets, double[][] prices, double[][] relatives) {}

  private PriceRelativesCsv() {}

  public static Data read(Path csv) throws IOException {
    List<String> lines = Files.readAllLines(csv);
    if (lines.isEmpty()) {
      throw new IOException(csv + " is empty");
    }
    List<String> assets = List.of(lines.get(0).split(",", -1));
    List<double[]> rows = new ArrayList<>();
    for (int n = 1; n < lines.size(); n++) {
      String line = lines.get(n);
      if (line.isBlank()) {
        continue;
      }
      String[] f = line.split(",");
      if (f.length != assets.size()) {
        throw new IOException(csv + " line " + (n + 1) + ": " + f.length + " prices for " + assets.size() + " assets");
      }
      double[] row = new double[f.length];
      for (int i = 0; i < f.length; i++) {
        row[i] = Double.parseDouble(f[i]);
        if (!(row[i] > 0) || !Double.isFinite(row[i])) {
          throw new IOException(csv + " line " + (n + 1) + ": price " + f[i] + " of " + assets.get(i) + " is not positive and finite");
        }
      }
      rows.add(row);
    }
    double[][] x = new double[rows.size()][];
    for (int t = 0; t < x.length; t++) {
      double[] row = rows.get(t);
      x[t] = row.clone();
      if (t > 0) {
        double[] previous = rows.get(t - 1);
        for (int i = 0; i < row.length; i++) {
          x[t][i] = row[i] / previous[i];
        }
      }
    }
    return new Data(assets, rows.toArray(double[][]::new), x);
  }
}
