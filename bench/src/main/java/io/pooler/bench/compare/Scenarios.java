package io.pooler.bench.compare;

import io.pooler.bench.load.ApplicationNames;
import io.pooler.bench.load.Protocol;

import java.util.List;

/** The six scenarios of the comparison. */
public final class Scenarios {
    /** Scenario 4's rate: well under what every target sustains here, so latency is measured, not queueing. */
    static final double FIXED_RATE = 5000;
    /** Scenario 5: each of 10,000 clients sends a query every 5 s on average. */
    static final double IDLE_RATE = 2000;

    private Scenarios() {
    }

    public static List<Scenario> standard() {
        return List.of(
                new Scenario(1, "select-only", "select-only, 50 clients, pool 20", 50, 20, "transaction", false,
                        Protocol.SIMPLE, false, 0, true, 0, true, ApplicationNames.SHARED),
                new Scenario(2, "tpcb-like", "TPC-B-like writes, 50 clients, pool 20", 50, 20, "transaction", true,
                        Protocol.SIMPLE, false, 0, true, 0, true, ApplicationNames.SHARED),
                new Scenario(3, "connect-per-tx", "new connection per transaction, 20 clients", 20, 20, "transaction",
                        false, Protocol.SIMPLE, true, 0, true, 0, true, ApplicationNames.SHARED),
                new Scenario(4, "fixed-rate", "1,000 clients at 5,000 tx/s, pool 20", 1000, 20, "transaction", false,
                        Protocol.SIMPLE, false, FIXED_RATE, false, 0, true, ApplicationNames.SHARED),
                new Scenario(5, "idle-10k", "10,000 mostly idle clients, 2,000 q/s, pool 100", 10_000, 100,
                        "transaction", false, Protocol.SIMPLE, false, IDLE_RATE, false, 5, false,
                        // Odoo's workers log in as odoo-<pid>: each idle client keeps a name of its own.
                        ApplicationNames.odooPerClient()),
                new Scenario(6, "prepared", "extended protocol, prepared, 20 clients, session pool 20", 20, 20, "session",
                        false, Protocol.PREPARED, false, 0, true, 0, true, ApplicationNames.SHARED));
    }

    /** The same scenarios, small enough to run each in a couple of seconds in the test suite. */
    public static List<Scenario> smoke() {
        return standard().stream().map(s -> switch (s.number()) {
            case 4 -> s.scaledTo(40, 5, 400);
            case 5 -> s.scaledTo(200, 5, 100).withMemorySteps(2);
            // Fewer server connections than clients, so that clients wait for a server, except where
            // session pooling needs one each.
            default -> s.scaledTo(6, s.poolMode().equals("session") ? 6 : 3, s.ratePerSecond());
        }).toList();
    }

    /** The scenarios whose numbers are listed, in order; all when the list is empty. */
    public static List<Scenario> select(List<Scenario> all, List<Integer> numbers) {
        if (numbers == null || numbers.isEmpty()) {
            return all;
        }
        return all.stream().filter(s -> numbers.contains(s.number())).toList();
    }
}
