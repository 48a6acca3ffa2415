package io.pooler.bench.compare;

import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What pgbench printed, and its per-transaction log read into a histogram. */
record PgbenchOutput(long transactions, long failed, double tps, List<String> errors) {
    private static final Pattern PROCESSED = Pattern.compile("number of transactions actually processed: (\\d+)");
    private static final Pattern FAILED = Pattern.compile("number of failed transactions: (\\d+)");
    private static final Pattern TPS = Pattern.compile("tps = ([0-9.]+)");
    private static final int MAX_ERROR_LINES = 8;

    /** Reads pgbench's summary (stdout) and its error lines (stderr). */
    static PgbenchOutput parse(String stdout, String stderr) {
        long transactions = find(PROCESSED, stdout).map(Long::parseLong).orElse(0L);
        long failed = find(FAILED, stdout).map(Long::parseLong).orElse(0L);
        double tps = find(TPS, stdout).map(Double::parseDouble).orElse(0.0);
        List<String> errors = new ArrayList<>();
        for (String line : (stderr + "\n" + stdout).split("\n")) {
            boolean error = line.contains("error:") || line.contains("aborted") || line.contains("FATAL");
            if (error && errors.size() < MAX_ERROR_LINES) {
                errors.add(line.strip());
            }
        }
        return new PgbenchOutput(transactions, failed, tps, List.copyOf(errors));
    }

    /**
     * Adds one line of a pgbench {@code -l} log to {@code latency}: "client_id transaction_no time
     * script_no time_epoch time_us ...", time being the transaction's latency in microseconds, or a
     * word for a failed or skipped transaction. Returns whether the line was a completed transaction.
     */
    static boolean recordLogLine(String line, Histogram latency) {
        String[] fields = line.trim().split("\\s+");
        if (fields.length < 3 || !fields[2].chars().allMatch(Character::isDigit)) {
            return false;
        }
        latency.recordValue(Math.max(1, Long.parseLong(fields[2])));
        return true;
    }

    private static Optional<String> find(Pattern pattern, String text) {
        Matcher m = pattern.matcher(text);
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }
}
