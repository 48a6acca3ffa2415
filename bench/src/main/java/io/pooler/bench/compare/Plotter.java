package io.pooler.bench.compare;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.AxesChartStyler;
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
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.ToDoubleFunction;

/**
 * The plot: throughput of the closed-loop scenarios relative to PgBouncer, the poolers' CPU per
 * transaction, one chart of latency percentile curves per scenario (each target's median round), and
 * the memory per client connection, all in one PNG. Each target keeps its colour in every chart.
 */
public final class Plotter {
    public static final String FILE = "comparison.png";
    private static final int WIDTH = 640;
    private static final int HEIGHT = 400;
    private static final int COLUMNS = 2;
    /** The curves end at 99.999%: further out a run of seconds holds too few transactions to say anything. */
    private static final double LAST_NINES = 5;
    private static final String REFERENCE = "pgbouncer";
    private static final Map<String, Color> COLORS = Map.of(
            "direct", new Color(0x4C72B0),
            "pgbouncer", new Color(0xDD8452),
            "pgbouncer-latest", new Color(0x55A868),
            "pooler", new Color(0x8172B3),
            "pooler-nopin", new Color(0xC44E52),
            "pooler-io-uring", new Color(0x937860),
            "pooler-epoll", new Color(0xDA8BC3));

    private Plotter() {
    }

    /** Writes {@link #FILE} into {@code dir}. */
    public static Path write(Path dir, List<Summary> summaries, String subtitle) throws IOException {
        // No display on a server; java.awt draws into memory.
        System.setProperty("java.awt.headless", "true");
        List<Chart<?, ?>> charts = new ArrayList<>();
        charts.add(throughput(summaries, subtitle));
        charts.add(perScenarioBars(summaries, "Pooler process CPU seconds per 1,000 transactions, median", "CPU s / 1k tx",
                Summary::cpuPer1000Median, 1));
        for (int scenario : summaries.stream().map(s -> s.scenario().number()).distinct().toList()) {
            charts.add(latency(summaries, scenario));
        }
        if (summaries.stream().anyMatch(s -> !Double.isNaN(s.memoryPerClientMedian()))) {
            charts.add(perScenarioBars(summaries, "Memory per client connection (RSS slope), median", "KB",
                    Summary::memoryPerClientMedian, 1024));
        }
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

    /**
     * Median throughput as a percentage of PgBouncer's in the same scenario: the scenarios' rates differ
     * by a hundred times (a connection per transaction against a select), so absolute bars would hide
     * the small ones. The table has the absolute numbers.
     */
    private static CategoryChart throughput(List<Summary> summaries, String subtitle) {
        List<Summary> closedLoop = summaries.stream().filter(s -> s.scenario().closedLoop()).toList();
        boolean relative = closedLoop.stream().anyMatch(s -> s.targetKey().equals(REFERENCE));
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT)
                .title(relative ? "Throughput, median, PgBouncer = 100% (" + subtitle + ")" : "Throughput, median tx/s (" + subtitle + ")")
                .xAxisTitle("scenario").yAxisTitle(relative ? "% of PgBouncer's tx/s" : "tx/s").build();
        style(chart);
        List<String> categories = closedLoop.stream().map(s -> s.scenario().label()).distinct().toList();
        for (Map.Entry<String, String> target : targets(closedLoop).entrySet()) {
            List<Double> values = new ArrayList<>();
            for (String category : categories) {
                double tps = find(closedLoop, target.getKey(), category).map(Summary::tpsMedian).orElse(0.0);
                double reference = find(closedLoop, REFERENCE, category).map(Summary::tpsMedian).orElse(Double.NaN);
                values.add(relative ? (reference > 0 ? tps / reference * 100 : 0) : tps);
            }
            color(chart.addSeries(target.getValue(), categories, values), target.getKey());
        }
        return chart;
    }

    /** One bar per scenario and target that has the value; {@code divisor} scales it for the axis. */
    private static CategoryChart perScenarioBars(List<Summary> summaries, String title, String axis,
                                                 ToDoubleFunction<Summary> value, double divisor) {
        List<Summary> measured = summaries.stream().filter(s -> !Double.isNaN(value.applyAsDouble(s))).toList();
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title)
                .xAxisTitle("scenario").yAxisTitle(axis).build();
        style(chart);
        List<String> categories = measured.stream().map(s -> s.scenario().label()).distinct().toList();
        for (Map.Entry<String, String> target : targets(measured).entrySet()) {
            List<Double> values = new ArrayList<>();
            for (String category : categories) {
                values.add(find(measured, target.getKey(), category).map(s -> value.applyAsDouble(s) / divisor).orElse(0.0));
            }
            color(chart.addSeries(target.getValue(), categories, values), target.getKey());
        }
        return chart;
    }

    private static XYChart latency(List<Summary> summaries, int scenario) {
        List<Summary> rows = summaries.stream().filter(s -> s.scenario().number() == scenario).toList();
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT)
                .title("Latency by percentile, scenario " + rows.get(0).scenario().label() + " (median round)")
                .xAxisTitle("percentile").yAxisTitle("ms").build();
        style(chart);
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setXAxisTickLabelsFormattingFunction(Plotter::percentileLabel);
        for (Summary s : rows) {
            List<Double> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            for (double[] point : ResultsFiles.percentileCurve(s.medianRound())) {
                double nines = nines(point[0]);
                if (nines <= LAST_NINES && point[1] > 0) {
                    x.add(nines);
                    y.add(point[1]);
                }
            }
            if (x.size() >= 2) {
                XYSeries series = chart.addSeries(s.targetName(), x, y);
                series.setMarker(SeriesMarkers.NONE);
                series.setLineColor(colorOf(s.targetKey()));
                series.setLineStyle(new BasicStroke(2f));
            }
        }
        return chart;
    }

    /** Distance to 100% in nines: 90% is 1, 99% is 2, 99.9% is 3. */
    public static double nines(double percentile) {
        return percentile >= 100 ? Double.POSITIVE_INFINITY : Math.log10(100 / (100 - percentile));
    }

    /** The percentile at whole numbers of nines, nothing in between. */
    public static String percentileLabel(double nines) {
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
        styler.setLegendPosition(Styler.LegendPosition.OutsideS);
        styler.setLegendLayout(Styler.LegendLayout.Horizontal);
        styler.setChartTitleFont(styler.getChartTitleFont().deriveFont(12f));
        if (styler instanceof AxesChartStyler axes) {
            axes.setAxisTickLabelsFont(axes.getAxisTickLabelsFont().deriveFont(10f));
        }
    }

    private static void color(CategorySeries series, String targetKey) {
        series.setFillColor(colorOf(targetKey));
    }

    public static Color colorOf(String targetKey) {
        return COLORS.getOrDefault(targetKey, Color.GRAY);
    }

    /** Target keys to names, in the order they first appear. */
    private static Map<String, String> targets(List<Summary> summaries) {
        Map<String, String> names = new LinkedHashMap<>();
        summaries.forEach(s -> names.putIfAbsent(s.targetKey(), s.targetName()));
        return names;
    }

    private static Optional<Summary> find(List<Summary> summaries, String targetKey, String scenarioLabel) {
        return summaries.stream().filter(s -> s.targetKey().equals(targetKey) && s.scenario().label().equals(scenarioLabel))
                .findFirst();
    }
}
