package io.pooler.bench.compare;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The plot: throughput bars of the closed-loop scenarios, the poolers' CPU per transaction, one chart
 * of latency percentile curves per scenario, and the memory per client connection, all in one PNG.
 */
public final class Plotter {
    public static final String FILE = "comparison.png";
    private static final int WIDTH = 640;
    private static final int HEIGHT = 400;
    private static final int COLUMNS = 2;
    /** The curves end at 99.999%: further out a run of seconds holds too few transactions to say anything. */
    private static final double LAST_NINES = 5;

    private Plotter() {
    }

    /** Writes {@link #FILE} into {@code dir}. */
    public static Path write(Path dir, List<Summary> summaries, String subtitle) throws IOException {
        // No display on a server; java.awt draws into memory.
        System.setProperty("java.awt.headless", "true");
        List<Chart<?, ?>> charts = new ArrayList<>();
        charts.add(throughput(summaries, subtitle));
        charts.add(cpu(summaries));
        for (int scenario : scenarios(summaries)) {
            charts.add(latency(summaries, scenario));
        }
        memory(summaries).ifPresent(charts::add);
        Path file = dir.resolve(FILE);
        ImageIO.write(grid(charts), "png", file.toFile());
        return file;
    }

    /**
     * The charts side by side, row after row, on white. XChart's own grid wants exactly rows times
     * columns charts; composing the images ourselves lets the last row be short.
     */
    private static BufferedImage grid(List<Chart<?, ?>> charts) {
        int rows = (charts.size() + COLUMNS - 1) / COLUMNS;
        BufferedImage image = new BufferedImage(WIDTH * COLUMNS, HEIGHT * rows, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, image.getWidth(), image.getHeight());
            for (int i = 0; i < charts.size(); i++) {
                g.drawImage(BitmapEncoder.getBufferedImage(charts.get(i)), (i % COLUMNS) * WIDTH, (i / COLUMNS) * HEIGHT, null);
            }
        } finally {
            g.dispose();
        }
        return image;
    }

    private static CategoryChart throughput(List<Summary> summaries, String subtitle) {
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT)
                .title("Throughput, median tx/s (" + subtitle + ")").xAxisTitle("scenario").yAxisTitle("tx/s").build();
        style(chart);
        List<Summary> closedLoop = summaries.stream().filter(s -> s.scenario().closedLoop()).toList();
        List<String> categories = closedLoop.stream().map(s -> s.scenario().label()).distinct().toList();
        for (String target : targets(closedLoop)) {
            List<Double> values = new ArrayList<>();
            for (String category : categories) {
                values.add(closedLoop.stream().filter(s -> s.targetName().equals(target) && s.scenario().label().equals(category))
                        .mapToDouble(Summary::tpsMedian).findFirst().orElse(0));
            }
            chart.addSeries(target, categories, values);
        }
        return chart;
    }

    private static CategoryChart cpu(List<Summary> summaries) {
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT)
                .title("Pooler process CPU seconds per 1,000 transactions, median").xAxisTitle("scenario")
                .yAxisTitle("CPU s / 1k tx").build();
        style(chart);
        List<Summary> poolers = summaries.stream().filter(s -> !Double.isNaN(s.cpuPer1000Median())).toList();
        List<String> categories = poolers.stream().map(s -> s.scenario().label()).distinct().toList();
        for (String target : targets(poolers)) {
            List<Double> values = new ArrayList<>();
            for (String category : categories) {
                values.add(poolers.stream().filter(s -> s.targetName().equals(target) && s.scenario().label().equals(category))
                        .mapToDouble(Summary::cpuPer1000Median).findFirst().orElse(0));
            }
            chart.addSeries(target, categories, values);
        }
        return chart;
    }

    private static Optional<CategoryChart> memory(List<Summary> summaries) {
        List<Summary> measured = summaries.stream().filter(s -> !Double.isNaN(s.memoryPerClientMedian())).toList();
        if (measured.isEmpty()) {
            return Optional.empty();
        }
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT)
                .title("Memory per client connection (RSS slope), median").xAxisTitle("scenario").yAxisTitle("KB").build();
        style(chart);
        for (Summary s : measured) {
            chart.addSeries(s.targetName(), List.of(s.scenario().label()), List.of(s.memoryPerClientMedian() / 1024));
        }
        return Optional.of(chart);
    }

    private static XYChart latency(List<Summary> summaries, int scenario) {
        List<Summary> rows = summaries.stream().filter(s -> s.scenario().number() == scenario).toList();
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT)
                .title("Latency by percentile: " + rows.get(0).scenario().number() + " " + rows.get(0).scenario().title())
                .xAxisTitle("percentile").yAxisTitle("ms").build();
        style(chart);
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setXAxisTickLabelsFormattingFunction(Plotter::percentileLabel);
        for (Summary s : rows) {
            List<Double> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            for (double[] point : ResultsFiles.percentileCurve(s.merged())) {
                double nines = nines(point[0]);
                if (nines <= LAST_NINES && point[1] > 0) {
                    x.add(nines);
                    y.add(point[1]);
                }
            }
            if (x.size() >= 2) {
                XYSeries series = chart.addSeries(s.targetName(), x, y);
                series.setMarker(SeriesMarkers.NONE);
            }
        }
        return chart;
    }

    /** Distance to 100% in nines: 90% is 1, 99% is 2, 99.9% is 3. */
    static double nines(double percentile) {
        return percentile >= 100 ? Double.POSITIVE_INFINITY : Math.log10(100 / (100 - percentile));
    }

    /** The percentile at whole numbers of nines, nothing in between. */
    static String percentileLabel(double nines) {
        if (Math.abs(nines - Math.rint(nines)) > 1e-6) {
            return "";
        }
        double percentile = 100 - 100 / Math.pow(10, Math.rint(nines));
        return String.format(Locale.ROOT, percentile == 0 ? "0%%" : "%s%%", trim(percentile));
    }

    private static String trim(double v) {
        String s = String.format(Locale.ROOT, "%.5f", v);
        return s.replaceAll("0+$", "").replaceAll("\\.$", "");
    }

    private static void style(Chart<?, ?> chart) {
        Styler styler = chart.getStyler();
        styler.setLegendPosition(Styler.LegendPosition.InsideNW);
        styler.setChartTitleFont(styler.getChartTitleFont().deriveFont(13f));
    }

    private static List<String> targets(List<Summary> summaries) {
        Set<String> names = new LinkedHashSet<>();
        summaries.forEach(s -> names.add(s.targetName()));
        return List.copyOf(names);
    }

    private static List<Integer> scenarios(List<Summary> summaries) {
        return summaries.stream().map(s -> s.scenario().number()).distinct().toList();
    }
}
