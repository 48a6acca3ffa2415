package io.pooler.server.fuzz;

import io.pooler.server.it.PoolerFixture;
import io.pooler.testing.PostgresExtension;
import io.pooler.testing.PostgresInstance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.List;

import static io.pooler.server.fuzz.FuzzDatabase.APP_PASSWORD;
import static io.pooler.server.fuzz.FuzzDatabase.APP_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each damaged login of {@link HostileServer}, alone: the pooler must refuse that server and tell the
 * waiting client with an ErrorResponse that has a SQLSTATE, at once (no retry loop, no hang). The
 * fuzzer plays these at random; here each is a named reproducer.
 */
@ExtendWith(PostgresExtension.class)
class HostileServerLoginTest {
    private static final Duration LOGIN_TIMEOUT = Duration.ofSeconds(20);

    /** Logins that are wrong, so the pooler must refuse the server: every variant but the three below. */
    @ParameterizedTest(name = "{index}: {0}")
    @ValueSource(ints = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 16, 17, 18})
    void aDamagedServerLoginRefusesTheClientWithASqlState(int variant, PostgresInstance pg) throws Exception {
        WireClient.LoginRefused refused = assertThrows(WireClient.LoginRefused.class, () -> login(pg, variant),
                HostileServer.LOGIN_VARIANTS.get(variant) + ": the client was logged in on that server");
        String sqlState = refused.error.field('C');
        assertNotNull(sqlState, HostileServer.LOGIN_VARIANTS.get(variant) + ": " + refused.error);
        assertEquals(5, sqlState.length(), refused.error.toString());
    }

    /** Odd but not wrong: large or repeated messages PostgreSQL itself would not send, within the limits. */
    @ParameterizedTest(name = "{index}: {0}")
    @ValueSource(ints = {13, 14, 15})
    void anOddServerLoginStillLogsTheClientIn(int variant, PostgresInstance pg) throws Exception {
        List<WireClient.Frame> welcome = login(pg, variant);
        assertEquals('Z', welcome.get(welcome.size() - 1).type(), HostileServer.LOGIN_VARIANTS.get(variant));
        assertTrue(welcome.stream().noneMatch(WireClient.Frame::isError), welcome.toString());
    }

    /**
     * A server that goes on with a whole welcome after its FATAL, in the same packet: the rest of that
     * read is not taken as a login, so the refused server never joins the pool (it did: the
     * ReadyForQuery after the FATAL logged the closed server in, and the pool counted it).
     */
    @Test
    void aServerRefusedAtLoginIsNotLoggedInByWhatFollowsItsFatal(PostgresInstance pg) throws Exception {
        FuzzDatabase.ensure(pg);
        try (HostileServer hostile = new HostileServer(1, 100, 18);
             PoolerFixture pooler = new PoolerFixture(pg).user(APP_USER, APP_PASSWORD).set("auth_type", "md5")
                     .database("fz_hostile", "host=127.0.0.1 port=" + hostile.port()
                             + " dbname=hostile user=hostile password=hostile-secret pool_mode=transaction")
                     .start()) {
            for (int i = 0; i < 3; i++) {
                try (WireClient client = WireClient.connect(pooler.port())) {
                    WireClient.LoginRefused refused = assertThrows(WireClient.LoginRefused.class,
                            () -> client.login(APP_USER, APP_PASSWORD, "fz_hostile", LOGIN_TIMEOUT));
                    assertEquals("28P01", refused.error.field('C'), refused.error.toString());
                }
            }
            long deadline = System.nanoTime() + LOGIN_TIMEOUT.toNanos();
            int servers;
            do {
                servers = pooler.server().pools().stream().mapToInt(p -> p.snapshot().totalServers()).sum();
            } while (servers != 0 && System.nanoTime() < deadline && sleep());
            assertEquals(0, servers, "no refused server is counted in the pool");
            assertEquals(3, hostile.connections(), "one login per client, none reused");
        }
    }

    private static boolean sleep() throws InterruptedException {
        Thread.sleep(50);
        return true;
    }

    private static List<WireClient.Frame> login(PostgresInstance pg, int variant) throws Exception {
        FuzzDatabase.ensure(pg);
        try (HostileServer hostile = new HostileServer(1, 100, variant);
             PoolerFixture pooler = new PoolerFixture(pg).user(APP_USER, APP_PASSWORD).set("auth_type", "md5")
                     .database("fz_hostile", "host=127.0.0.1 port=" + hostile.port()
                             + " dbname=hostile user=hostile password=hostile-secret pool_mode=transaction")
                     .start();
             WireClient client = WireClient.connect(pooler.port())) {
            return client.login(APP_USER, APP_PASSWORD, "fz_hostile", LOGIN_TIMEOUT);
        }
    }
}
