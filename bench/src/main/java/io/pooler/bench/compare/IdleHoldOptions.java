package io.pooler.bench.compare;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * How a hold test runs; see {@link IdleHold}.
 *
 * @param clients client connections held, the active ones included
 * @param activePercent the share of them that keeps sending queries (the trickle)
 * @param queriesPerActiveClient queries a second each active client sends
 * @param hold how long every client stays connected, from the moment the last one logged in
 * @param early when the first RSS figure compared is taken, from that moment (minute 1)
 * @param sampleEvery how often RSS and open files are sampled and printed
 * @param warmup how long a tenth of the clients run first, before the baseline is taken
 * @param settle how long to wait after the warm-up's and the hold's clients have gone before sampling
 * @param target {@code pooler} or {@code pgbouncer}
 * @param histogram where to write heap histograms of Pooler (at the baseline and at the end of the hold), if anywhere;
 *     each runs a full collection, so the figures after the hold are then not those of an undisturbed process
 */
public record IdleHoldOptions(int clients, double activePercent, double queriesPerActiveClient, Duration hold,
                              Duration early, Duration sampleEvery, Duration warmup, Duration settle, String target,
                              Path poolerJar, Path poolerLauncher, List<String> poolerJavaOptions,
                              Optional<Path> pgbouncer, Path workDir, Optional<Path> histogram) {

    public IdleHoldOptions {
        if (clients < 1 || !(activePercent >= 0 && activePercent <= 100) || !(queriesPerActiveClient > 0)) {
            throw new IllegalArgumentException("clients >= 1, 0 <= activePercent <= 100, queriesPerActiveClient > 0");
        }
        if (early.compareTo(hold) > 0 || sampleEvery.isZero() || sampleEvery.isNegative()) {
            throw new IllegalArgumentException("early must be within the hold, and sampleEvery positive");
        }
        if (!target.equals("pooler") && !target.equals("pgbouncer")) {
            throw new IllegalArgumentException("target: pooler or pgbouncer, not " + target);
        }
        poolerJavaOptions = List.copyOf(poolerJavaOptions);
    }

    /** The clients that send queries: the given share, at least one when there are any. */
    public int activeClients() {
        return activePercent == 0 ? 0 : (int) Math.max(1, Math.round(clients * activePercent / 100));
    }
}
