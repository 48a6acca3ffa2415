package io.pooler.bench.compare;

import java.nio.file.Path;

/**
 * The one pgbouncer.ini both poolers read for a scenario (Pooler reads PgBouncer's format), so they
 * run with the same pool sizes, limits and authentication.
 */
final class PoolerIni {
    /** Clients a pooler accepts beyond the scenario's, for the smoke test's and the ramp's retries. */
    private static final int SPARE_CLIENTS = 100;
    /** So that clients ramping up by the hundred never overflow the accept queue. */
    private static final int LISTEN_BACKLOG = 4096;

    private PoolerIni() {
    }

    static String render(Scenario scenario, int listenPort, String pgHost, int pgPort, String database,
                         Path authFile) {
        // Scenario 5 prefills its pool, so the memory measured per client is not the servers' memory.
        String minPool = scenario.memorySteps() > 0 ? "min_pool_size = " + scenario.poolSize() + "\n" : "";
        return "[databases]\n"
                + database + " = host=" + pgHost + " port=" + pgPort + " dbname=" + database + "\n"
                + "\n"
                + "[pgbouncer]\n"
                + "listen_addr = 127.0.0.1\n"
                + "listen_port = " + listenPort + "\n"
                + "unix_socket_dir =\n"
                + "listen_backlog = " + LISTEN_BACKLOG + "\n"
                + "auth_type = scram-sha-256\n"
                + "auth_file = " + authFile + "\n"
                + "pool_mode = " + scenario.poolMode() + "\n"
                + "default_pool_size = " + scenario.poolSize() + "\n"
                + minPool
                + "max_client_conn = " + (scenario.clients() + SPARE_CLIENTS) + "\n"
                // A log line per connection would cost both poolers more than the pooling in scenario 3.
                + "log_connections = 0\n"
                + "log_disconnections = 0\n"
                + "ignore_startup_parameters = extra_float_digits\n";
    }

    /** The userlist: the role with PostgreSQL's own SCRAM verifier, so the poolers log in to it with the client's keys. */
    static String userlist(String user, String verifier) {
        return "\"" + user + "\" \"" + verifier + "\"\n";
    }
}
