package io.convexstream.flink.omd;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * A publication's metrics map (a handful of named figures) over two arrays: built once per output
 * record, where a {@code HashMap} would cost a node per figure and a table.
 * Read-only; equal to any map with the same entries.
 */
final class FigureMap extends AbstractMap<String, Double> {
  private final String[] names;
  private final double[] values;

  /** The figures {@code names[i] = values[i]} for i below {@code values.length} (neither array is copied: leave them unchanged). */
  FigureMap(String[] names, double[] values) {
    if (names.length < values.length) {
      throw new IllegalArgumentException(names.length + " names for " + values.length + " values");
    }
    this.names = names;
    this.values = values;
  }

  @Override
  public Double get(Object key) {
    for (int i = 0; i < values.length; i++) {
      if (names[i].equals(key)) {
        return values[i];
      }
    }
    return null;
  }

  @Override
  public boolean containsKey(Object key) {
    return get(key) != null;
  }

  @Override
  public int size() {
    return values.length;
  }

  @Override
  public Set<Entry<String, Double>> entrySet() {
    return new AbstractSet<>() {
      @Override
      public Iterator<Entry<String, Double>> iterator() {
        return new Iterator<>() {
          private int next;

          @Override
          public boolean hasNext() {
            return next < values.length;
          }

          @Override
          public Entry<String, Double> next() {
            if (next >= values.length) {
              throw new NoSuchElementException();
            }
            int i = next++;
            return new SimpleImmutableEntry<>(names[i], values[i]);
          }
        };
      }

      @Override
      public int size() {
        return values.length;
      }
    };
  }
}
