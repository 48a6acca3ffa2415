package io.pooler.admin.advice;

import io.pooler.config.PoolMode;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * SHOW ADVICE's reasoning: a few rules, each a pure function of one pool's {@link PoolLoad}. README.md
 * (SHOW ADVICE) gives the same formulas.
 *
 * <p>The servers a pool needs come from Little's law: the mean number of transactions in the system
 * is their arrival rate times the time each spends there. A transaction's time is counted from the
 * client's first message, so it holds both the wait for a server and the time on it, and
 * {@code needed = transactions per second x mean transaction time} is how many transactions were
 * running or queued at once on average: servers for all of them would have let each start at once.
 * The same law read off the samples, {@code mean sv_active + mean cl_waiting}, covers session pools
 * (where a client, not a transaction, holds the server) and a pool so stuck that no transaction
 * completes; the larger of the two is used.
 */
public final class AdviceRules {
    /** Pool size over servers needed: the mean leaves no room for bursts, and a full pool queues. */
    static final double HEADROOM = 1.25;
    /** Below this many transactions and samples in the window, nothing is judged. */
    static final long MIN_TRANSACTIONS = 20;
    static final int MIN_SAMPLES = 5;
    /** Clients queued in at least this share of samples: the pool is short, not having a burst. */
    static final double PERSISTENT_QUEUE = 0.10;
    /** A p95 wait below this is not worth a server more. */
    static final long WAIT_WORTH_FIXING_MICROS = 5_000;
    /** The reserve in use in at least this share of samples is doing the pool's work, not a burst's. */
    static final double PERSISTENT_RESERVE = 0.25;
    /** A p99 wait at this share of query_wait_timeout: clients are close to being failed. */
    static final double NEAR_TIMEOUT = 0.5;

    private AdviceRules() {
    }

    /** Every rule's advice for the pool, or one "no change" row. */
    public static List<Advice> advise(PoolLoad p) {
        if (!enoughData(p)) {
            return List.of(Advice.noChange(p, String.format(Locale.ROOT,
                    "no change: too little traffic in the window to judge (%d transactions, %d samples over %s)",
                    p.transactions(), p.load().samples(), duration(p.windowMicros()))));
        }
        List<Advice> rows = new ArrayList<>();
        poolSize(p).ifPresent(rows::add);
        connectionLimit(p).ifPresent(rows::add);
        reservePoolSize(p).ifPresent(rows::add);
        queryWaitTimeout(p).ifPresent(rows::add);
        if (rows.isEmpty()) {
            rows.add(noChange(p));
        }
        return rows;
    }

    static boolean enoughData(PoolLoad p) {
        return p.load().samples() >= MIN_SAMPLES
                && (p.transactions() >= MIN_TRANSACTIONS || p.load().waitingShare() >= PERSISTENT_QUEUE);
    }

    /** Little's law: servers that would have let every transaction start at once. */
    static double serversNeeded(PoolLoad p) {
        return p.poolMode() == PoolMode.SESSION ? sampled(p) : Math.max(fromStats(p), sampled(p));
    }

    /** Little's law on the transactions: rate x mean transaction time (its wait included). */
    static double fromStats(PoolLoad p) {
        return p.arrivalRate() * p.meanXactMicros() / 1e6;
    }

    /** Little's law read off the samples: servers busy plus clients queued, on average. */
    static double sampled(PoolLoad p) {
        return p.load().meanActive() + p.load().meanWaiting();
    }

    static boolean clientsQueue(PoolLoad p) {
        return p.load().waitingShare() >= PERSISTENT_QUEUE && p.waitTime().p95() >= WAIT_WORTH_FIXING_MICROS;
    }

    static boolean reserveDoesPoolWork(PoolLoad p) {
        return p.reservePoolSize() > 0 && p.load().reserveShare() >= PERSISTENT_RESERVE;
    }

    /** The pool_size the load asks for: needed servers with headroom, and at least what the reserve served. */
    static int targetPoolSize(PoolLoad p) {
        int target = Math.max((int) Math.ceil(serversNeeded(p) * HEADROOM), p.poolSize() + 1);
        return reserveDoesPoolWork(p) ? Math.max(target, p.load().peakServers()) : target;
    }

    /** Servers this pool may have under max_db_connections and max_user_connections (0 is no limit). */
    static int room(PoolLoad p) {
        int room = Integer.MAX_VALUE;
        if (p.maxDbConnections() > 0) {
            room = Math.min(room, p.maxDbConnections() - p.otherDbServers());
        }
        if (p.maxUserConnections() > 0) {
            room = Math.min(room, p.maxUserConnections() - p.otherUserServers());
        }
        return Math.max(0, room);
    }

    /** Grow pool_size when clients queue persistently or the reserve does the pool's work. */
    static Optional<Advice> poolSize(PoolLoad p) {
        if (!clientsQueue(p) && !reserveDoesPoolWork(p)) {
            return Optional.empty();
        }
        int target = targetPoolSize(p);
        int suggested = Math.min(target, room(p));
        if (suggested <= p.poolSize()) {
            return Optional.empty();
        }
        String limited = suggested < target ? String.format(Locale.ROOT, ", limited to %d by the connection limit", suggested) : "";
        return Optional.of(Advice.change(p, p.poolSizeSetting(), p.poolSize(), suggested,
                symptom(p) + ": " + need(p) + String.format(Locale.ROOT, ", x %.2f headroom = %d%s", HEADROOM, target, limited)));
    }

    /** When max_db_connections or max_user_connections keeps the pool below what it needs, say which and by how much. */
    static Optional<Advice> connectionLimit(PoolLoad p) {
        if (!clientsQueue(p) && !reserveDoesPoolWork(p)) {
            return Optional.empty();
        }
        int target = targetPoolSize(p);
        int room = room(p);
        if (target <= room) {
            return Optional.empty();
        }
        boolean dbBinds = p.maxDbConnections() > 0
                && (p.maxUserConnections() <= 0
                    || p.maxDbConnections() - p.otherDbServers() <= p.maxUserConnections() - p.otherUserServers());
        int limit = dbBinds ? p.maxDbConnections() : p.maxUserConnections();
        int others = dbBinds ? p.otherDbServers() : p.otherUserServers();
        String setting = dbBinds ? p.maxDbSetting() : p.maxUserSetting();
        int suggested = limit + (target - room);
        return Optional.of(Advice.change(p, setting, limit, suggested, String.format(Locale.ROOT,
                "%s should be %d, but %s %d leaves this pool %d (%d servers open in the %s's other pools): "
                        + "raise it to %d if PostgreSQL's max_connections has room for %d more",
                p.poolSizeSetting(), target, setting, limit, room, others, dbBinds ? "database" : "user",
                suggested, target - room)));
    }

    /**
     * Bursts: clients queued only now and then, but longer than reserve_pool_timeout, with no reserve or
     * all of it in use: a reserve serves them. (A reserve in use most of the time is the pool's work:
     * {@link #poolSize} moves it into pool_size.)
     */
    static Optional<Advice> reservePoolSize(PoolLoad p) {
        var load = p.load();
        if (load.waitingShare() == 0 || load.waitingShare() >= PERSISTENT_QUEUE || reserveDoesPoolWork(p)
                || p.reservePoolTimeoutMicros() <= 0 || p.waitTime().p99() < p.reservePoolTimeoutMicros()
                || load.peakServers() < p.poolSize() + p.reservePoolSize()) {
            return Optional.empty();
        }
        int suggested = Math.min(p.reservePoolSize() + Math.max(1, load.peakWaiting()), room(p) - p.poolSize());
        if (suggested <= p.reservePoolSize()) {
            return Optional.empty();
        }
        return Optional.of(Advice.change(p, p.reservePoolSetting(), p.reservePoolSize(), suggested, String.format(Locale.ROOT,
                "clients queued only in bursts (%s of samples, up to %d at once), and p99 wait %s passed "
                        + "reserve_pool_timeout %s with the reserve (%d) used up: %d reserve servers serve such a burst",
                percent(load.waitingShare()), load.peakWaiting(), duration(p.waitTime().p99()),
                duration(p.reservePoolTimeoutMicros()), p.reservePoolSize(), suggested)));
    }

    /** Waits close to query_wait_timeout, or clients failed by it: give them longer, and the pool more servers. */
    static Optional<Advice> queryWaitTimeout(PoolLoad p) {
        long timeout = p.queryWaitTimeoutMicros();
        long failed = p.load().waitTimeouts();
        if (timeout <= 0 || (p.waitTime().p99() < NEAR_TIMEOUT * timeout && failed == 0)) {
            return Optional.empty();
        }
        long suggested = (long) Math.ceil(Math.max(2.0 * p.waitTime().p99(), 1.5 * timeout) / 1e6);
        String failures = failed > 0 ? String.format(Locale.ROOT, ", and %d clients were failed by it in the window", failed) : "";
        return Optional.of(Advice.change(p, "query_wait_timeout", timeout / 1_000_000, suggested, String.format(Locale.ROOT,
                "p99 wait %s is %s of query_wait_timeout %s%s: raise it to %d s unless the clients give up sooner "
                        + "(Odoo: limit_time_real), and give the pool the servers it lacks",
                duration(p.waitTime().p99()), percent((double) p.waitTime().p99() / timeout), duration(timeout), failures, suggested)));
    }

    static Advice noChange(PoolLoad p) {
        return Advice.noChange(p, String.format(Locale.ROOT,
                "no change: %s, pool_size %d; clients queued in %s of samples, p99 wait %s",
                need(p), p.poolSize(), percent(p.load().waitingShare()), duration(p.waitTime().p99())));
    }

    /** Why the pool looks short, with the figures. */
    private static String symptom(PoolLoad p) {
        var load = p.load();
        String busy = String.format(Locale.ROOT, "servers all busy in %s of samples", percent(load.busyShare()));
        if (clientsQueue(p)) {
            return String.format(Locale.ROOT, "clients queued in %s of samples (p99 wait %s), %s",
                    percent(load.waitingShare()), duration(p.waitTime().p99()), busy);
        }
        return String.format(Locale.ROOT, "the reserve was in use in %s of samples (up to %d servers for pool_size %d)",
                percent(load.reserveShare()), load.peakServers(), p.poolSize());
    }

    /** The Little's law figure and where it comes from. */
    private static String need(PoolLoad p) {
        double needed = serversNeeded(p);
        if (p.poolMode() == PoolMode.SESSION || sampled(p) > fromStats(p)) {
            return String.format(Locale.ROOT, "%.1f servers busy + %.1f clients queued on average = %.1f servers needed (Little's law)",
                    p.load().meanActive(), p.load().meanWaiting(), needed);
        }
        boolean statement = p.poolMode() == PoolMode.STATEMENT;
        String each = String.format(Locale.ROOT, "%s %s/s x %s per %s", rate(p.arrivalRate()),
                statement ? "queries" : "transactions", duration(p.meanXactMicros()), statement ? "query" : "transaction");
        String waiting = p.meanWaitMicros() > 0
                ? String.format(Locale.ROOT, " (%s of it waiting for a server)", duration(Math.min(p.meanWaitMicros(), p.meanXactMicros())))
                : "";
        return String.format(Locale.ROOT, "%s%s = %.1f servers needed (Little's law)", each, waiting, needed);
    }

    static String duration(long micros) {
        if (micros < 10_000) {
            return String.format(Locale.ROOT, "%.1f ms", micros / 1e3);
        }
        if (micros < 1_000_000) {
            return String.format(Locale.ROOT, "%d ms", Math.round(micros / 1e3));
        }
        if (micros < 10_000_000) {
            return String.format(Locale.ROOT, "%.1f s", micros / 1e6);
        }
        return String.format(Locale.ROOT, "%d s", Math.round(micros / 1e6));
    }

    static String percent(double share) {
        return Math.round(share * 100) + "%";
    }

    private static String rate(double perSecond) {
        return perSecond >= 10 ? String.valueOf(Math.round(perSecond)) : String.format(Locale.ROOT, "%.1f", perSecond);
    }
}
