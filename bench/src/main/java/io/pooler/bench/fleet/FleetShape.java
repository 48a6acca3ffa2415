package io.pooler.bench.fleet;

import java.util.List;
import java.util.stream.IntStream;

/**
 * A fleet of Odoo hosts in front of one pooler, each host serving one tenant database of its own.
 *
 * <p>Each host runs {@code workers} prefork HTTP workers, {@code crons} cron workers and one gevent
 * (websocket) process; each process keeps its own pool of {@code dbMaxconn} connections to the business
 * database ({@code dbMaxconnGevent} in the gevent process), open and idle between requests as
 * psycopg2 keeps them. Each cron worker and the gevent process also hold one LISTEN connection to
 * {@code postgres}.
 *
 * @param requestsPerWorkerPerSecond mean HTTP request rate of one prefork worker (Poisson arrivals)
 * @param cronIntervalSeconds mean time between two jobs of one cron worker
 * @param writeShare share of HTTP requests that write, take a NOWAIT lock and post a bus message
 *     (committed, then notified through a fresh connection to {@code postgres})
 * @param thinkMillis mean time an HTTP request's transaction stays open doing Python work between its
 *     reads and its writes (exponentially distributed): the server is held, idle in transaction
 */
public record FleetShape(int hosts, int workers, int crons, int dbMaxconn, int dbMaxconnGevent,
                         double requestsPerWorkerPerSecond, double cronIntervalSeconds, double writeShare,
                         double thinkMillis) {

    /** Business databases are named after their host: odoo_fleet_1, odoo_fleet_2, ... */
    static final String DATABASE_PREFIX = "odoo_fleet_";

    public FleetShape {
        if (hosts < 1 || workers < 1 || crons < 0 || dbMaxconn < 1 || dbMaxconnGevent < 1) {
            throw new IllegalArgumentException("hosts, workers, db_maxconn and db_maxconn_gevent must be positive");
        }
        if (!(requestsPerWorkerPerSecond > 0) || !(cronIntervalSeconds > 0) || writeShare < 0 || writeShare > 1
                || thinkMillis < 0) {
            throw new IllegalArgumentException("rates must be positive and the write share within 0..1");
        }
    }

    /**
     * Hosts shaped like the README's Odoo example (16 workers, 2 crons, 1 gevent process) with
     * db_maxconn raised to 32 (Odoo's default is 64), each worker serving a request every 4 s on
     * average (a host sized for its peak, at an ordinary hour), enough hosts for at least
     * {@code minClients} client connections.
     */
    public static FleetShape odooHosts(int minClients) {
        FleetShape one = new FleetShape(1, 16, 2, 32, 32, 0.25, 10, 0.3, 30);
        int hosts = (minClients + one.clientConnections() - 1) / one.clientConnections();
        return one.withHosts(Math.max(1, hosts));
    }

    public FleetShape withHosts(int value) {
        return new FleetShape(value, workers, crons, dbMaxconn, dbMaxconnGevent, requestsPerWorkerPerSecond,
                cronIntervalSeconds, writeShare, thinkMillis);
    }

    public FleetShape withRate(double perWorkerPerSecond) {
        return new FleetShape(hosts, workers, crons, dbMaxconn, dbMaxconnGevent, perWorkerPerSecond,
                cronIntervalSeconds, writeShare, thinkMillis);
    }

    /** LISTEN connections to postgres per host: one per cron worker, one for the gevent process. */
    public int listenersPerHost() {
        return crons + 1;
    }

    /** Client connections the fleet holds open at once, LISTENers included (not the short notify logins). */
    public int clientConnections() {
        return hosts * ((workers + crons) * dbMaxconn + dbMaxconnGevent + listenersPerHost());
    }

    public List<String> databases() {
        return IntStream.rangeClosed(1, hosts).mapToObj(h -> DATABASE_PREFIX + h).toList();
    }

    /** HTTP requests a second over the fleet, on average. */
    public double requestsPerSecond() {
        return hosts * workers * requestsPerWorkerPerSecond;
    }

    public String describe() {
        return String.format(java.util.Locale.ROOT,
                "%d hosts x ((%d workers + %d crons) x db_maxconn %d + gevent db_maxconn_gevent %d + %d LISTENers)"
                        + " = %,d client connections; %.2f requests/s per worker (%,.0f/s in all), %.0f%% writing,"
                        + " %.0f ms of work inside each transaction, a cron job every %.0f s per cron worker",
                hosts, workers, crons, dbMaxconn, dbMaxconnGevent, listenersPerHost(), clientConnections(),
                requestsPerWorkerPerSecond, requestsPerSecond(), writeShare * 100, thinkMillis, cronIntervalSeconds);
    }
}
