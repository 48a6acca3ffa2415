package io.pooler.server.it;

import io.pooler.auth.Md5Auth;
import io.pooler.server.PoolerServer;
import io.pooler.testing.PostgresInstance;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.pooler.server.it.LoginTest.queryString;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.MD5_PASSWORD;
import static io.pooler.server.it.TestRoles.MD5_USER;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** auth_type = hba against the real PostgreSQL: each method, reject, no match, reload, parse errors. */
@PoolerTest
class HbaLoginTest {
    private final PostgresInstance pg;
    private final PoolerFixture pooler;

    HbaLoginTest(PostgresInstance pg, PoolerFixture pooler) throws SQLException {
        this.pg = pg;
        this.pooler = pooler.set("auth_type", "hba").set("auth_hba_file", "hba.conf")
                .user(SCRAM_USER, pg.storedPassword(SCRAM_USER))
                .user(MD5_USER, Md5Auth.encode(MD5_USER, MD5_PASSWORD));
    }

    @Test
    void firstMatchingRuleDecidesTheMethod() throws Exception {
        hba("""
                # TYPE  DATABASE  USER     ADDRESS        METHOD
                host    postgres  all      127.0.0.1/32   reject
                host    itdb      it_scram 127.0.0.1/32   scram-sha-256
                host    itdb      it_md5   127.0.0.1 255.255.255.255  md5
                host    all       all      10.0.0.0/8     trust
                """);
        pooler.start();
        try (Connection c = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            assertEquals(SCRAM_USER, queryString(c, "select current_user"));
        }
        try (Connection c = pooler.connect(DB, MD5_USER, MD5_PASSWORD)) {
            assertEquals(MD5_USER, queryString(c, "select current_user"));
        }
        SQLException wrong = assertThrows(SQLException.class, () -> pooler.connect(DB, MD5_USER, "wrong"));
        assertEquals("28P01", wrong.getSQLState());
    }

    @Test
    void rejectAndNoMatchGetPostgresMessages() throws Exception {
        hba("""
                host  postgres  all       127.0.0.1/32  reject
                host  itdb      it_scram  127.0.0.1/32  scram-sha-256
                host  all       all       10.0.0.0/8    trust
                """);
        pooler.start();
        SQLException rejected = assertThrows(SQLException.class, () -> pooler.connect("postgres", SCRAM_USER, SCRAM_PASSWORD));
        assertEquals("28000", rejected.getSQLState());
        assertEquals("FATAL: pg_hba.conf rejects connection for host \"127.0.0.1\", user \"it_scram\", database \"postgres\", no encryption",
                rejected.getMessage());
        SQLException noEntry = assertThrows(SQLException.class, () -> pooler.connect(DB, MD5_USER, MD5_PASSWORD));
        assertEquals("28000", noEntry.getSQLState());
        assertEquals("FATAL: no pg_hba.conf entry for host \"127.0.0.1\", user \"it_md5\", database \"itdb\", no encryption",
                noEntry.getMessage());
    }

    @Test
    void trustAndPasswordMethods() throws Exception {
        hba("""
                host  itdb  it_md5    127.0.0.1/32  trust
                host  itdb  it_scram  127.0.0.1/32  password
                """);
        pooler.user(SCRAM_USER, SCRAM_PASSWORD).start();
        try (Connection c = pooler.connect(DB, MD5_USER, "not checked under trust")) {
            assertEquals(MD5_USER, queryString(c, "select current_user"));
        }
        try (Connection c = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            assertEquals(SCRAM_USER, queryString(c, "select current_user"));
        }
        assertEquals("28P01", assertThrows(SQLException.class, () -> pooler.connect(DB, SCRAM_USER, "wrong")).getSQLState());
    }

    @Test
    void reloadAppliesNewRulesAndABrokenFileKeepsTheRunningOnes() throws Exception {
        hba("host all all 127.0.0.1/32 scram-sha-256\n");
        pooler.start();
        pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD).close();

        hba("host all it_scram 127.0.0.1/32 reject\nhost all all 127.0.0.1/32 scram-sha-256\n");
        assertEquals(java.util.Optional.empty(), pooler.reload());
        assertEquals("28000", assertThrows(SQLException.class, () -> pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD)).getSQLState());

        hba("host all all 127.0.0.1/32 scram-sha-256\nhost all all 127.0.0.1/33 trust\n");
        String error = pooler.reload().orElseThrow();
        assertEquals(pooler.dir().resolve("hba.conf") + ":2: invalid CIDR mask in address \"127.0.0.1/33\"", error);
        assertEquals("28000", assertThrows(SQLException.class, () -> pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD)).getSQLState());
    }

    @Test
    void startupStopsOnABrokenHbaFileNamingFileAndLine() throws Exception {
        hba("host all all 127.0.0.1/32 md5\nhost all +admins all md5\n");
        pooler.writeFiles();
        Exception e = assertThrows(Exception.class, () -> PoolerServer.start(pooler.dir().resolve("pooler.ini")));
        assertEquals(pooler.dir().resolve("hba.conf") + ":2: group membership (\"+admins\") is not supported", e.getMessage());
    }

    @Test
    void peerOnTheUnixSocketComparesTheOsUser() throws Exception {
        Assumptions.assumeTrue(PsqlClientTest.psql() != null, "psql is not installed on this machine");
        String osUser = System.getProperty("user.name");
        Path socketDir = Files.createTempDirectory("pooler-peer-");
        hba("local all " + osUser + " peer\nlocal all all peer\n");
        // The OS user has no PostgreSQL role: the database logs in to the server as it_scram.
        pooler.set("unix_socket_dir", socketDir.toString())
                .database("peerdb", "host=" + pg.host() + " port=" + pg.port() + " dbname=" + DB
                        + " user=" + SCRAM_USER + " password=" + SCRAM_PASSWORD)
                .start();
        assertEquals(SCRAM_USER, psql(socketDir, osUser, "select current_user").strip());
        String refused = psql(socketDir, "someone_else", "select 1");
        assertTrue(refused.contains("Peer authentication failed for user \"someone_else\""), refused);
    }

    /**
     * auth_ident_file and {@code map=}: the OS user logs in as a role of another name when the map pairs
     * them, and no longer as itself, since a line with a map goes by the map only (PgBouncer's
     * login_as_unix_peer). A RELOAD reads the ident file again.
     */
    @Test
    void peerWithAnIdentMapLogsInAsTheMappedUser() throws Exception {
        Assumptions.assumeTrue(PsqlClientTest.psql() != null, "psql is not installed on this machine");
        String osUser = System.getProperty("user.name");
        Path socketDir = Files.createTempDirectory("pooler-peer-");
        hba("local all all peer map=staff\n");
        Files.writeString(pooler.dir().resolve("ident.conf"), "staff " + osUser + " app_owner\n");
        pooler.set("unix_socket_dir", socketDir.toString()).set("auth_ident_file", "ident.conf")
                .database("peerdb", "host=" + pg.host() + " port=" + pg.port() + " dbname=" + DB
                        + " user=" + SCRAM_USER + " password=" + SCRAM_PASSWORD)
                .start();
        assertEquals(SCRAM_USER, psql(socketDir, "app_owner", "select current_user").strip());
        String itself = psql(socketDir, osUser, "select 1");
        assertTrue(itself.contains("Peer authentication failed for user \"" + osUser + "\""), itself);

        Files.writeString(pooler.dir().resolve("ident.conf"), "staff " + osUser + " app_reader\n");
        assertEquals(java.util.Optional.empty(), pooler.reload());
        String old = psql(socketDir, "app_owner", "select 1");
        assertTrue(old.contains("Peer authentication failed for user \"app_owner\""), old);
        assertEquals(SCRAM_USER, psql(socketDir, "app_reader", "select current_user").strip());
    }

    private String psql(Path socketDir, String user, String sql) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(List.of(PsqlClientTest.psql().toString(), "-X", "-At", "-h", socketDir.toString(),
                "-p", String.valueOf(pooler.port()), "-U", user, "-d", "peerdb", "-c", sql)).redirectErrorStream(true);
        pb.environment().put("PGCONNECT_TIMEOUT", "10");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        return out;
    }

    private void hba(String rules) throws Exception {
        Files.writeString(pooler.dir().resolve("hba.conf"), rules);
    }
}
