package io.convexstream.cli.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** PNG line charts (XChart): labelled axes, a legend, optional log scale. */
public final class Plots {
  private Plots() {}

  /** Writes one chart with a line per series (x and y arrays of equal length) to {@code png}. */
  public static Path lines(Path png, String title, String xLabel, String yLabel, boolean logY,
      Map<String, double[][]> series) throws IOException {
    XYChart chart = new XYChartBuilder().width(900).height(540).title(title).xAxisTitle(xLabel).yAxisTitle(yLabel).build();
    chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
    chart.getStyler().setYAxisLogarithmic(logY);
    chart.getStyler().setXAxisTickMarkSpacingHint(120);
    chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
    series.forEach((name, xy) -> chart.addSeries(name, xy[0], xy[1]).setMarker(SeriesMarkers.NONE));
    Files.createDirectories(png.toAbsolutePath().getParent());
    BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
    return png;
  }
}
