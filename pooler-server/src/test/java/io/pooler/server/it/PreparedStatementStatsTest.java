package io.pooler.server.it;

import ch.qos.logback.classic.spi.ILoggingEvent;
import io.pooler.testing.Await;
import io.pooler.testing.CapturedLog;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.pooler.server.it.AdminRows.rows;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static io.pooler.testing.Await.quietly;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PgBouncer's prepared-statement figures (issue 12, bug 5: they stayed 0): SHOW STATS, STATS_TOTALS and
 * STATS_AVERAGES count client Parses, Parses sent to servers and Binds of named statements; SHOW CLIENTS
 * and SHOW SERVERS give each connection's statement count; the log_stats line has the rates. Also the
 * client login count PgBouncer's master adds to SHOW STATS.
 */
@PoolerTest
class PreparedStatementStatsTest {
    private static final int EXECUTIONS = 6;

    private final PoolerFixture pooler;
    private CapturedLog statsLog;

    PreparedStatementStatsTest(PoolerFixture pooler) throws Exception {
        this.pooler = pooler.user(SCRAM_USER, SCRAM_PASSWORD).set("admin_users", SCRAM_USER)
                .set("pool_mode", "transaction").set("stats_period", "1").set("log_stats", "1").start();
    }

    @BeforeEach
    void captureStatsLog() {
        statsLog = CapturedLog.of("io.pooler.stats");
    }

    @AfterEach
    void stopCapture() {
        statsLog.close();
    }

    @Test
    void countersFollowNamedStatements() throws Exception {
        Properties named = new Properties();
        named.setProperty("prepareThreshold", "1"); // PgJDBC names the statement from its first execution
        try (Connection c = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD, named);
             Connection admin = pooler.connectSimple("pgbouncer", SCRAM_USER, SCRAM_PASSWORD)) {
            execute(c, EXECUTIONS);

            Map<String, String> stats = dbRow(admin, "SHOW STATS");
            assertTrue(number(stats, "total_client_parse_count") >= 1, stats.toString());
            assertTrue(number(stats, "total_server_parse_count") >= 1, stats.toString());
            assertTrue(number(stats, "total_bind_count") >= EXECUTIONS - 1, stats.toString());
            assertTrue(number(stats, "total_client_login_count") >= 1, stats.toString());
            Map<String, String> totals = dbRow(admin, "SHOW STATS_TOTALS");
            assertEquals(stats.get("total_bind_count"), totals.get("bind_count"), totals.toString());
            assertEquals(stats.get("total_client_parse_count"), totals.get("client_parse_count"));
            assertEquals(stats.get("total_server_parse_count"), totals.get("server_parse_count"));
            assertEquals(stats.get("total_client_login_count"), totals.get("client_login_count"));

            Map<String, String> client = rows(admin, "SHOW CLIENTS").stream()
                    .filter(r -> r.get("database").equals(DB)).findFirst().orElseThrow();
            assertTrue(Integer.parseInt(client.get("prepared_statements")) >= 1, client.toString());
            Map<String, String> server = rows(admin, "SHOW SERVERS").stream()
                    .filter(r -> r.get("database").equals(DB)).findFirst().orElseThrow();
            assertTrue(Integer.parseInt(server.get("prepared_statements")) >= 1, server.toString());

            // Averages are per second over the stats period: keep binding until a period has seen some.
            Await.until(Duration.ofSeconds(15), quietly(() -> {
                execute(c, 3);
                return number(dbRow(admin, "SHOW STATS_AVERAGES"), "avg_bind_count") > 0;
            }), "a non-zero avg_bind_count in SHOW STATS_AVERAGES");
            Await.until(Duration.ofSeconds(15), quietly(() -> {
                execute(c, 3);
                return statsLogBinds() > 0;
            }), "a log_stats line with binds/s above 0");
        }
    }

    private static void execute(Connection c, int times) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select ?::int + 1")) {
            for (int i = 0; i < times; i++) {
                ps.setInt(1, i);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    assertEquals(i + 1, rs.getInt(1));
                }
            }
        }
    }

    private int statsLogBinds() {
        Pattern binds = Pattern.compile("(\\d+) binds/s");
        int best = 0;
        for (ILoggingEvent e : statsLog.events()) {
            Matcher m = binds.matcher(e.getFormattedMessage());
            if (m.find()) {
                best = Math.max(best, Integer.parseInt(m.group(1)));
            }
        }
        return best;
    }

    private static Map<String, String> dbRow(Connection admin, String show) throws SQLException {
        return rows(admin, show).stream().filter(r -> r.get("database").equals(DB)).findFirst()
                .orElseThrow(() -> new AssertionError("no row for " + DB + " in " + show));
    }

    private static long number(Map<String, String> row, String column) {
        return new java.math.BigDecimal(row.get(column)).longValue();
    }
}
