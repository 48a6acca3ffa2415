package io.pooler.bench.fleet;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * The SQL Odoo 16-18 sends, as the README's Odoo section describes it: one list of steps per cursor,
 * each step one simple-protocol Query message (psycopg2 binds parameters on the client side), or a
 * pause while Python works with the transaction open.
 */
final class OdooTraffic {
    /** Rows of the fleet's tables in every business database; see {@link FleetSchema}. */
    static final int PARTNERS = 10_000;
    static final int SEQUENCES = 50;
    /** The SQLSTATEs Odoo retries a request on (odoo/service/model.py, PG_CONCURRENCY_ERRORS_TO_RETRY). */
    static final List<String> RETRIED = List.of("40001", "40P01", "55P03");
    /** Odoo's MAX_TRIES_ON_CONCURRENCY_FAILURE. */
    static final int MAX_TRIES = 5;

    /** One Query message, or a pause; {@code timed} marks the BEGIN whose round trip includes the wait for a server. */
    record Step(String sql, long pauseNanos, boolean timed) {
        static Step query(String sql) {
            return new Step(sql, 0, false);
        }
    }

    private OdooTraffic() {
    }

    /**
     * An HTTP request's cursor: psycopg2's reset of a kept connection (DISCARD ALL), BEGIN ISOLATION
     * LEVEL REPEATABLE READ, reads (two statements in one query string), Python work, and for a writing
     * request a flush inside a savepoint, a no-gap sequence locked with FOR UPDATE NOWAIT and a bus
     * message, then COMMIT.
     */
    static List<Step> httpRequest(SplittableRandom random, String database, long partner, boolean reused,
                                  boolean write, double thinkMillis) {
        List<Step> steps = new ArrayList<>(12);
        if (reused) {
            steps.add(Step.query("DISCARD ALL"));
        }
        steps.add(new Step("BEGIN ISOLATION LEVEL REPEATABLE READ", 0, true));
        long from = random.nextLong(1, PARTNERS - 50);
        steps.add(Step.query("SELECT id, name, counter, write_date FROM res_partner WHERE id = " + partner
                + "; SELECT count(*) FROM res_partner WHERE id BETWEEN " + from + " AND " + (from + 50)));
        long think = thinkNanos(random, thinkMillis);
        if (think > 0) {
            steps.add(new Step(null, think, false));
        }
        if (write) {
            String savepoint = "\"" + UUID.randomUUID() + "\"";
            long sequence = random.nextLong(1, SEQUENCES + 1);
            steps.add(Step.query("SAVEPOINT " + savepoint));
            steps.add(Step.query("UPDATE res_partner SET counter = counter + 1, write_date = now() WHERE id = " + partner));
            steps.add(Step.query("RELEASE SAVEPOINT " + savepoint));
            steps.add(Step.query("SELECT number_next FROM ir_sequence WHERE id = " + sequence + " FOR UPDATE NOWAIT"));
            steps.add(Step.query("UPDATE ir_sequence SET number_next = number_next + 1 WHERE id = " + sequence));
            steps.add(Step.query("INSERT INTO bus_bus (channel, message) VALUES ('" + busChannel(database, partner)
                    + "', '{\"type\": \"res.partner/updated\", \"id\": " + partner + "}')"));
        }
        steps.add(Step.query("COMMIT"));
        return steps;
    }

    /** A cron worker's job: its row of ir_cron locked with FOR UPDATE NOWAIT, marked as run, committed. */
    static List<Step> cronJob(boolean reused, int cronId) {
        List<Step> steps = new ArrayList<>(5);
        if (reused) {
            steps.add(Step.query("DISCARD ALL"));
        }
        steps.add(new Step("BEGIN ISOLATION LEVEL REPEATABLE READ", 0, true));
        steps.add(Step.query("SELECT id FROM ir_cron WHERE id = " + cronId + " FOR UPDATE NOWAIT"));
        steps.add(Step.query("UPDATE ir_cron SET lastcall = now() WHERE id = " + cronId));
        steps.add(Step.query("COMMIT"));
        return steps;
    }

    /** The gevent process reading the bus after a notification for its database. */
    static List<Step> busRead(boolean reused, long lastId) {
        List<Step> steps = new ArrayList<>(4);
        if (reused) {
            steps.add(Step.query("DISCARD ALL"));
        }
        steps.add(new Step("BEGIN ISOLATION LEVEL REPEATABLE READ", 0, true));
        steps.add(Step.query("SELECT id, channel, message FROM bus_bus WHERE id > " + lastId + " ORDER BY id LIMIT 100"));
        steps.add(Step.query("COMMIT"));
        return steps;
    }

    /** The post-commit notify, sent on a fresh connection to postgres (Odoo never keeps those). */
    static String notify(String database, long partner) {
        return "SELECT pg_notify('imbus', '[" + busChannel(database, partner) + "]')";
    }

    /** Odoo's bus channel: a JSON list naming the database first, which is how a listener tells its own. */
    static String busChannel(String database, long partner) {
        return "[\"" + database + "\",\"res.partner\"," + partner + "]";
    }

    static boolean isFor(String payload, String database) {
        return payload.startsWith("[[\"" + database + "\",");
    }

    static long thinkNanos(SplittableRandom random, double meanMillis) {
        if (meanMillis <= 0) {
            return 0;
        }
        double millis = Math.min(-Math.log(1 - random.nextDouble()) * meanMillis, 10 * meanMillis);
        return (long) (millis * 1_000_000);
    }

    /** An exponentially distributed gap (Poisson arrivals) of mean {@code meanSeconds}. */
    static long exponentialNanos(SplittableRandom random, double meanSeconds) {
        return (long) (-Math.log(1 - random.nextDouble()) * meanSeconds * 1e9);
    }
}
