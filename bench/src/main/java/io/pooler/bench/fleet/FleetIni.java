package io.pooler.bench.fleet;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * conf/odoo/pooler.ini as shipped, with what a fleet changes in it and nothing else. The kit is sized
 * for one host; the README's "Redoing the numbers", applied to a fleet of {@code hosts}, gives:
 * <ul>
 *   <li>the PostgreSQL address and the listening port of this machine;</li>
 *   <li>{@code auth_file}: the kit's userlist.txt, copied next to the generated ini;</li>
 *   <li>{@code postgres} pool: session mode (PgBouncer cannot multiplex LISTEN as the kit's transaction
 *       mode does), one server per LISTENer of every host (cron workers and gevent processes hold
 *       theirs for good) plus {@value #NOTIFY_ROOM} shared by the short notify logins;</li>
 *   <li>{@code max_user_connections = }{@value #SERVER_BUDGET}, PostgreSQL's budget for the pooler
 *       (B in the README), so the whole fleet stays within 200 server connections;</li>
 *   <li>{@code max_client_conn}: the fleet's client connections plus room for the notify logins;</li>
 *   <li>for PgBouncer 1.18 (Debian 12's package), which refuses to start otherwise: the database option
 *       {@code reserve_pool_size} under its older name {@code reserve_pool} (PgBouncer 1.24+ and Pooler
 *       take both), and {@code max_prepared_statements = 200} commented out (1.18 does not know it;
 *       200 is the default of PgBouncer 1.21+ and of Pooler, and Odoo prepares nothing);</li>
 *   <li>for PgBouncer (any version): {@code worker_threads}, Pooler's own key, commented out; PgBouncer
 *       refuses to start on a key it does not know.</li>
 * </ul>
 * The business pools ({@code *}: pool_size 20, reserve 4, max_db_connections 24) are the kit's: each
 * host has the kit's shape (16 workers, 2 crons, 1 gevent process).
 */
final class FleetIni {
    static final int SERVER_BUDGET = 190;
    static final int NOTIFY_ROOM = 20;
    private static final int SPARE_CLIENTS = 500;

    private FleetIni() {
    }

    static int postgresPoolSize(FleetShape shape) {
        return shape.hosts() * shape.listenersPerHost() + NOTIFY_ROOM;
    }

    /**
     * The kit's ini for this fleet.
     *
     * @param businessPool replaces the {@code *} entry's "pool_size=20 reserve_pool_size=4" (the SHOW ADVICE
     *     run undersizes it), or null to keep the kit's
     * @param forPgBouncer the ini is PgBouncer's, so Pooler's own keys are commented out
     */
    static String render(String kitIni, FleetShape shape, String pgHost, int pgPort, int listenPort, String authFile,
                         String businessPool, boolean forPgBouncer) {
        int postgresPool = postgresPoolSize(shape);
        Map<String, String> replacements = new LinkedHashMap<>();
        // The kit multiplexes LISTEN on "postgres" in transaction mode; PgBouncer cannot, so the fleet runs
        // that entry in session mode for both poolers, to compare like with like.
        replacements.put("postgres = host=127.0.0.1 port=5432 pool_mode=transaction pool_size=4 reserve_pool_size=0 max_db_connections=4",
                "postgres = host=" + pgHost + " port=" + pgPort + " pool_mode=session pool_size=" + postgresPool
                        + " reserve_pool_size=0 max_db_connections=" + postgresPool);
        replacements.put("* = host=127.0.0.1 port=5432 pool_mode=transaction pool_size=20 reserve_pool_size=4",
                "* = host=" + pgHost + " port=" + pgPort + " pool_mode=transaction "
                        + (businessPool != null ? businessPool : "pool_size=20 reserve_pool_size=4"));
        replacements.put("odoo = max_user_connections=90", "odoo = max_user_connections=" + SERVER_BUDGET);
        replacements.put("listen_port = 6432", "listen_port = " + listenPort);
        replacements.put("auth_file = userlist.txt", "auth_file = " + authFile);
        replacements.put("max_client_conn = 200", "max_client_conn = " + (shape.clientConnections() + SPARE_CLIENTS));
        replacements.put("\nmax_prepared_statements = 200", "\n;max_prepared_statements = 200");
        if (forPgBouncer) {
            replacements.put("\nworker_threads = 1", "\n;worker_threads = 1");
        }
        String ini = kitIni;
        for (Map.Entry<String, String> r : replacements.entrySet()) {
            if (!ini.contains(r.getKey())) {
                throw new IllegalArgumentException("conf/odoo/pooler.ini has changed: no line \"" + r.getKey()
                        + "\"; update FleetIni");
            }
            ini = ini.replace(r.getKey(), r.getValue());
        }
        return ini.replace(" reserve_pool_size=", " reserve_pool=");
    }

    /** The odoo role's verifier in the kit's userlist.txt. */
    static String verifier(String userlist) {
        for (String line : userlist.split("\n")) {
            if (line.startsWith("\"" + FleetSchema.ROLE + "\"")) {
                String rest = line.substring(FleetSchema.ROLE.length() + 2).trim();
                return rest.substring(1, rest.lastIndexOf('"'));
            }
        }
        throw new IllegalArgumentException("no \"" + FleetSchema.ROLE + "\" line in the kit's userlist.txt");
    }
}
