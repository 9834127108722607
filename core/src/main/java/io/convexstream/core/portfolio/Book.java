package io.convexstream.core.portfolio;

import java.util.ArrayList;
import java.util.List;

/**
 * What a book may hold beyond long positions, as a reduction to the long-only simplex (Horváth and
 * Urbán, "Growth optimal portfolio selection with short selling and leverage", in Machine Learning
 * for Financial Engineering, 2011): strategies run unchanged on extended assets and relatives.
 *
 * <ul>
 *   <li>{@code shorts}: for each asset A a synthetic asset "-A", a short sale of one unit of wealth's
 *       worth of A against one unit of collateral: its relative is 2 − x_A (it gains what A loses),
 *       and it cannot lose more than its collateral (floored, see below).
 *   <li>{@code leverage} L ≥ 1 with {@code borrowRate} r per period: the book holds L times its wealth,
 *       (L − 1) of it borrowed at 1 + r, so each relative becomes L·x − (L − 1)(1 + r): the gross
 *       exposure of the book is L, the cap. A position that would fall below zero is closed out
 *       (margin call): its relative is floored at {@link #FLOOR}, a millionth of its value, so that
 *       the strategies' multiplicative updates stay defined.
 * </ul>
 * Net exposure to asset A is L·(b_A − b_{−A}). Costs are charged on L times the simplex turnover
 * ({@link #scaled}). The long-only book (no shorts, L = 1) leaves the relatives as they are.
 */
public record Book(boolean shorts, double leverage, double borrowRate) implements java.io.Serializable {
  public static final Book LONG_ONLY = new Book(false, 1, 0);
  /** The relative of a position that lost its collateral. */
  public static final double FLOOR = 1e-6;

  public Book {
    if (!(leverage >= 1) || Double.isInfinite(leverage)) {
      throw new IllegalArgumentException("leverage must be finite and at least 1: " + leverage);
    }
    if (!(borrowRate >= 0) || Double.isInfinite(borrowRate)) {
      throw new IllegalArgumentException("the borrowing rate must be finite and non-negative: " + borrowRate);
    }
  }

  public boolean longOnly() {
    return !shorts && leverage == 1;
  }

  /** The book's assets: the real ones, then "-A" for each when shorts are allowed. */
  public List<String> assets(List<String> real) {
    if (!shorts) {
      return real;
    }
    List<String> all = new ArrayList<>(real);
    real.forEach(a -> all.add("-" + a));
    return List.copyOf(all);
  }

  /** The relatives of the book's assets from the real assets' {@code x} (x itself for a long-only book). */
  public double[] relatives(double[] x) {
    if (longOnly()) {
      return x;
    }
    int m = x.length;
    double[] out = new double[shorts ? 2 * m : m];
    for (int i = 0; i < m; i++) {
      out[i] = x[i];
      if (shorts) {
        out[m + i] = 2 - x[i];
      }
    }
    for (int j = 0; j < out.length; j++) {
      out[j] = Math.max(FLOOR, leverage * out[j] - (leverage - 1) * (1 + borrowRate));
    }
    return out;
  }

  /** {@code trading} for this book: one-way rates copied to the short assets, and every rate times the leverage. */
  public Trading scaled(Trading trading) {
    if (longOnly()) {
      return trading;
    }
    double[] oneWay = trading.oneWay();
    if (oneWay != null) {
      int m = oneWay.length;
      double[] all = new double[shorts ? 2 * m : m];
      for (int i = 0; i < all.length; i++) {
        all[i] = leverage * oneWay[i % m];
      }
      oneWay = all;
    }
    return new Trading(leverage * trading.costRate(), oneWay, trading.every(), trading.drift());
  }
}
