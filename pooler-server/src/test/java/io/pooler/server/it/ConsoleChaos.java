package io.pooler.server.it;

import io.pooler.protocol.SqlState;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;

import static io.pooler.server.it.AdminRows.rows;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;

/**
 * An operator at the console while clients churn: RECONNECT, PAUSE then RESUME, KILL then RESUME,
 * KILL_CLIENT of a client chosen at random, DISABLE then ENABLE, one every few milliseconds. Every
 * pause it starts it ends, so the clients never wait for long; what they may be told is in
 * {@link #mayTell}.
 */
final class ConsoleChaos {
    private final PoolerFixture pooler;
    private final long periodMillis;

    ConsoleChaos(PoolerFixture pooler, long periodMillis) {
        this.pooler = pooler;
        this.periodMillis = periodMillis;
    }

    /** What a client may be told because of the operator: KILL and KILL_CLIENT's 57P01, or that the database is disabled. */
    static boolean mayTell(SQLException e) {
        return SqlState.ADMIN_SHUTDOWN.equals(e.getSQLState())
                || SqlState.INVALID_CATALOG_NAME.equals(e.getSQLState()) && String.valueOf(e.getMessage()).contains("is disabled");
    }

    /** Runs commands while {@code window} is open; returns how many it ran. */
    int run(RunWindow window) throws Exception {
        Properties p = new Properties();
        p.setProperty("socketTimeout", "30"); // a console command that never answers fails the run
        int commands = 0;
        try (Connection admin = pooler.connectSimple("pgbouncer", SCRAM_USER, SCRAM_PASSWORD, p);
             Statement s = admin.createStatement()) {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            while (window.isOpen()) {
                Thread.sleep(periodMillis);
                switch (random.nextInt(5)) {
                    case 0 -> s.execute("RECONNECT " + DB);
                    case 1 -> pauseFor(s, "PAUSE " + DB, "RESUME " + DB, random);
                    case 2 -> pauseFor(s, "KILL " + DB, "RESUME " + DB, random);
                    case 3 -> pauseFor(s, "DISABLE " + DB, "ENABLE " + DB, random);
                    default -> killAClient(admin, s, random);
                }
                commands++;
            }
        }
        return commands;
    }

    private static void pauseFor(Statement s, String start, String end, ThreadLocalRandom random) throws Exception {
        s.execute(start);
        try {
            Thread.sleep(random.nextInt(5, 40));
        } finally {
            s.execute(end);
        }
    }

    private static void killAClient(Connection admin, Statement s, ThreadLocalRandom random) throws SQLException {
        List<Map<String, String>> clients = rows(admin, "SHOW CLIENTS").stream()
                .filter(r -> DB.equals(r.get("database"))).toList();
        if (clients.isEmpty()) {
            return;
        }
        try {
            s.execute("KILL_CLIENT " + clients.get(random.nextInt(clients.size())).get("id"));
        } catch (SQLException leftMeanwhile) {
            // the client closed between SHOW CLIENTS and KILL_CLIENT: nothing to kill
        }
    }
}
