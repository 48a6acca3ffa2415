package io.pooler.server.it;

import io.pooler.auth.Md5Auth;
import io.pooler.pool.Pool;
import io.pooler.testing.PostgresInstance;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;

import static io.pooler.server.it.LoginTest.queryString;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.MD5_PASSWORD;
import static io.pooler.server.it.TestRoles.MD5_USER;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A client that never logged in leaves nothing behind: startup packets with made-up user and database
 * names (the fixture's {@code *} entry takes any database) make no pool, no limit counters and no
 * Prometheus series, however many come; a real user still logs in and gets the one pool it needs.
 */
@PoolerTest
class UnauthenticatedLoginStateTest {
    private static final int ATTEMPTS = 300;
    private static final String AUTH_USER = "it_auth_state";
    private static final String AUTH_PASSWORD = "auth-state-secret";

    private final PostgresInstance pg;
    private final PoolerFixture pooler;

    UnauthenticatedLoginStateTest(PostgresInstance pg, PoolerFixture pooler) {
        this.pg = pg;
        this.pooler = pooler;
    }

    @Test
    void wrongPasswordsUnderMadeUpNamesMakeNoPools() throws Exception {
        pooler.set("auth_type", "md5").user(MD5_USER, Md5Auth.encode(MD5_USER, MD5_PASSWORD))
                .set("metrics_listen_addr", "127.0.0.1").set("metrics_listen_port", "0").start();
        for (int i = 0; i < ATTEMPTS; i++) {
            String user = "ghost_" + UUID.randomUUID();
            // Half ask for the real database, half for a made-up one that the * entry would serve.
            String database = i % 2 == 0 ? DB : "nodb_" + UUID.randomUUID();
            assertEquals("28P01", md5LoginWithWrongPassword(user, database), user + "@" + database);
        }
        assertPools(List.of());
        String metrics = scrape();
        assertFalse(metrics.contains("ghost_") || metrics.contains("nodb_"), metrics);

        try (Connection c = pooler.connect(DB, MD5_USER, MD5_PASSWORD)) {
            assertEquals(MD5_USER, queryString(c, "select current_user"));
        }
        assertPools(List.of(DB + "/" + MD5_USER));
    }

    @Test
    void scramExchangesLeftUnfinishedMakeNoPools() throws Exception {
        pooler.user(SCRAM_USER, SCRAM_PASSWORD).start();
        for (int i = 0; i < ATTEMPTS; i++) {
            // A known user too: the pool is made once the password was right, not when it is asked for.
            String user = i % 3 == 0 ? SCRAM_USER : "ghost_" + UUID.randomUUID();
            String database = i % 2 == 0 ? DB : "nodb_" + UUID.randomUUID();
            try (RawPgClient client = new RawPgClient(pooler.port())) {
                client.write(RawPgClient.startupMessage(user, database));
                RawPgClient.Message request = client.read();
                assertNotNull(request);
                assertEquals('R', request.type(), "asked for a password");
            }
        }
        assertPools(List.of());
        try (Connection c = pooler.connect(DB, SCRAM_USER, SCRAM_PASSWORD)) {
            assertEquals(SCRAM_USER, queryString(c, "select current_user"));
        }
        assertPools(List.of(DB + "/" + SCRAM_USER));
    }

    /** Under trust a user must still be in the auth file: the unlisted are refused before any pool too. */
    @Test
    void trustRefusalsOfUnlistedUsersMakeNoPools() throws Exception {
        pooler.set("auth_type", "trust").user(MD5_USER, MD5_PASSWORD).start();
        for (int i = 0; i < ATTEMPTS; i++) {
            String database = i % 2 == 0 ? DB : "nodb_" + UUID.randomUUID();
            try (RawPgClient client = new RawPgClient(pooler.port())) {
                client.write(RawPgClient.startupMessage("ghost_" + UUID.randomUUID(), database));
                RawPgClient.Message error = client.readError();
                assertNotNull(error, "closed without an error");
                assertEquals("28000", error.error().sqlState(), error.error().message());
            }
        }
        assertPools(List.of());
        try (Connection c = pooler.connect(DB, MD5_USER, "anything")) {
            assertEquals(MD5_USER, queryString(c, "select current_user"));
        }
        assertPools(List.of(DB + "/" + MD5_USER));
    }

    /**
     * auth_query: each made-up user is looked up through the auth_user's pool (auth_dbname fixes which
     * database), and that is the only pool; users auth_query does not know get the mock exchange.
     */
    @Test
    void authQueryLookupsOfMadeUpUsersUseOnlyTheAuthUsersPool() throws Exception {
        pg.createRole(AUTH_USER, AUTH_PASSWORD, "scram-sha-256");
        try (Connection c = pg.connectAsSuperuser("postgres"); Statement s = c.createStatement()) {
            s.execute("ALTER ROLE " + AUTH_USER + " SUPERUSER"); // the default auth_query reads pg_authid
        }
        pooler.set("auth_type", "md5").set("auth_user", AUTH_USER).set("auth_dbname", DB)
                .user(AUTH_USER, AUTH_PASSWORD).start();
        for (int i = 0; i < ATTEMPTS / 3; i++) {
            String user = i % 5 == 0 ? MD5_USER : "ghost_" + UUID.randomUUID(); // MD5_USER: only auth_query knows it
            String database = i % 2 == 0 ? DB : "nodb_" + UUID.randomUUID();
            assertEquals("28P01", md5LoginWithWrongPassword(user, database), user + "@" + database);
        }
        assertPools(List.of(DB + "/" + AUTH_USER));
        try (Connection c = pooler.connect(DB, MD5_USER, MD5_PASSWORD)) {
            assertEquals(MD5_USER, queryString(c, "select current_user"));
        }
        assertPools(List.of(DB + "/" + AUTH_USER, DB + "/" + MD5_USER));
    }

    /** Logs in under auth_type md5 with a password that is wrong; returns the SQLSTATE of the answer. */
    private String md5LoginWithWrongPassword(String user, String database) throws IOException {
        try (RawPgClient client = new RawPgClient(pooler.port())) {
            client.write(RawPgClient.startupMessage(user, database));
            RawPgClient.Message request = client.read();
            assertNotNull(request, "closed before the password request");
            assertEquals('R', request.type(), () -> "not a password request: " + request.error());
            assertEquals(5, ByteBuffer.wrap(request.body()).getInt(), "AuthenticationMD5Password");
            byte[] wrong = ("md5" + "0".repeat(32) + "\0").getBytes(StandardCharsets.US_ASCII);
            client.write(RawPgClient.message('p', wrong));
            RawPgClient.Message error = client.readError();
            assertNotNull(error, "closed without an error");
            return error.error().sqlState();
        }
    }

    /** The pools there are, as database/user; a failure names how many and the first few. */
    private void assertPools(List<String> expected) {
        List<String> pools = pooler.server().pools().stream().map(Pool::key)
                .map(k -> k.database() + "/" + k.user()).sorted().toList();
        assertTrue(pools.equals(expected), () -> "expected " + expected + ", found " + pools.size() + " pools: "
                + pools.subList(0, Math.min(3, pools.size())) + (pools.size() > 3 ? "..." : ""));
    }

    private String scrape() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + pooler.server().metricsPort() + "/metrics"))
                        .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        return response.body();
    }
}
