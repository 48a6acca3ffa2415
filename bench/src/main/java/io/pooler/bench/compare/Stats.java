package io.pooler.bench.compare;

import java.util.Arrays;

/** The few statistics the comparison reports. NaN values (not measured) are left out. */
final class Stats {
    private Stats() {
    }

    static double median(double[] values) {
        double[] v = finite(values);
        if (v.length == 0) {
            return Double.NaN;
        }
        Arrays.sort(v);
        int mid = v.length / 2;
        return v.length % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
    }

    static double min(double[] values) {
        return Arrays.stream(finite(values)).min().orElse(Double.NaN);
    }

    static double max(double[] values) {
        return Arrays.stream(finite(values)).max().orElse(Double.NaN);
    }

    /** Least-squares slope of y over x. */
    static double slope(double[] x, double[] y) {
        if (x.length != y.length || x.length < 2) {
            throw new IllegalArgumentException("a slope needs at least two points");
        }
        double meanX = Arrays.stream(x).average().orElseThrow();
        double meanY = Arrays.stream(y).average().orElseThrow();
        double covariance = 0;
        double variance = 0;
        for (int i = 0; i < x.length; i++) {
            covariance += (x[i] - meanX) * (y[i] - meanY);
            variance += (x[i] - meanX) * (x[i] - meanX);
        }
        if (variance == 0) {
            throw new IllegalArgumentException("a slope needs two different x values");
        }
        return covariance / variance;
    }

    private static double[] finite(double[] values) {
        return Arrays.stream(values).filter(Double::isFinite).toArray();
    }
}
