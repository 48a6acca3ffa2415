package io.pooler.bench.fleet;

import io.pooler.bench.compare.Plotter;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * fleet.png: for each fleet size, the request latency by percentile of each target, all its rounds
 * together, on the comparison plot's axes and colours.
 */
final class FleetPlot {
    static final String FILE = "fleet.png";
    private static final int WIDTH = 640;
    private static final int HEIGHT = 400;
    private static final double LAST_NINES = 4;

    private FleetPlot() {
    }

    static Path write(Path dir, List<FleetMeasurement> all) throws IOException {
        System.setProperty("java.awt.headless", "true");
        List<XYChart> charts = new ArrayList<>();
        for (FleetShape shape : all.stream().map(FleetMeasurement::shape).distinct().toList()) {
            charts.add(latency(shape, all.stream().filter(m -> m.shape().equals(shape) && !m.failed()).toList()));
        }
        BufferedImage image = new BufferedImage(WIDTH * Math.max(1, charts.size()), HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, image.getWidth(), image.getHeight());
            for (int i = 0; i < charts.size(); i++) {
                g.drawImage(BitmapEncoder.getBufferedImage(charts.get(i)), i * WIDTH, 0, null);
            }
        } finally {
            g.dispose();
        }
        Path file = dir.resolve(FILE);
        ImageIO.write(image, "png", file.toFile());
        return file;
    }

    private static XYChart latency(FleetShape shape, List<FleetMeasurement> runs) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT)
                .title(String.format("Odoo fleet, %,d client connections: request latency (all rounds)", shape.clientConnections()))
                .xAxisTitle("percentile").yAxisTitle("ms").build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        chart.getStyler().setChartTitleFont(chart.getStyler().getChartTitleFont().deriveFont(12f));
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setXAxisTickLabelsFormattingFunction(Plotter::percentileLabel);
        Map<String, Histogram> merged = new LinkedHashMap<>();
        Map<String, String> names = new LinkedHashMap<>();
        for (FleetMeasurement m : runs) {
            merged.computeIfAbsent(m.targetKey(), k -> new Histogram(3)).add(m.result().requestMicros());
            names.putIfAbsent(m.targetKey(), m.targetName());
        }
        for (Map.Entry<String, Histogram> e : merged.entrySet()) {
            List<Double> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            for (HistogramIterationValue v : e.getValue().percentiles(5)) {
                double nines = Plotter.nines(v.getPercentileLevelIteratedTo());
                if (nines <= LAST_NINES && v.getValueIteratedTo() > 0) {
                    x.add(nines);
                    y.add(v.getValueIteratedTo() / 1000.0);
                }
            }
            if (x.size() >= 2) {
                XYSeries series = chart.addSeries(names.get(e.getKey()), x, y);
                series.setMarker(SeriesMarkers.NONE);
                series.setLineColor(Plotter.colorOf(e.getKey()));
                series.setLineStyle(new BasicStroke(2f));
            }
        }
        return chart;
    }
}
