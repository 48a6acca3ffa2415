package io.pooler.server.it;

import io.pooler.protocol.SqlState;
import org.junit.jupiter.api.Tag;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

import static io.pooler.server.it.AuthQueryTest.AUTH_PASSWORD;
import static io.pooler.server.it.AuthQueryTest.AUTH_USER;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;

/**
 * {@link ServerDeathsUnderChurn} with every client's login looked up by auth_query: the clients' user
 * is not in the auth file, so each login borrows a server of the auth_user's pool (on the client's
 * loop or moved there), and the killer ends sessions of both pools. A client whose lookup's server died
 * may be told "auth query failed" (28000, PgBouncer's answer); nobody may hang, get another's answer or
 * any other error, and both pools must come back.
 *
 * <p>Why: the lookup is the one client of a pool that is not a socket (AuthQueryClient), whose answer
 * reaches the logging-in client by a task on that client's loop, and whose server may die while it
 * waits, while the query runs or after it has timed out; no churn test borrowed servers that way.
 */
@PoolerTest
@Tag("issue10")
class AuthQueryDeathsUnderChurnTest extends ServerDeathsUnderChurn {

    AuthQueryDeathsUnderChurnTest(PoolerFixture pooler) throws Exception {
        super(authQueryPooler(pooler), new ChurnChaos(pooler, STEP_DEADLINE, AUTH_USER, AUTH_PASSWORD));
    }

    /**
     * SCRAM, where the other churn tests trust: Pooler logs in to PostgreSQL as a looked-up user with
     * the keys of that user's own SCRAM exchange (PostgreSQL keeps only a verifier), so a client that
     * did no exchange could not be served. Only the auth_user is in the auth file.
     */
    private static PoolerFixture authQueryPooler(PoolerFixture pooler) throws Exception {
        pooler.postgres().createRole(AUTH_USER, AUTH_PASSWORD, "scram-sha-256");
        try (Connection c = pooler.postgres().connectAsSuperuser("postgres"); Statement s = c.createStatement()) {
            s.execute("ALTER ROLE " + AUTH_USER + " SUPERUSER"); // the default auth_query reads pg_authid
        }
        return ChurnChaos.churnPools(pooler.set("auth_type", "scram-sha-256").user(AUTH_USER, AUTH_PASSWORD)
                .set("auth_user", AUTH_USER).set("admin_users", AUTH_USER), EVENT_LOOPS, POOL_SIZE).start();
    }

    @Override
    List<String> killedUsers() {
        return List.of(SCRAM_USER, AUTH_USER);
    }

    @Override
    boolean mayBeTold(SQLException e) {
        return ChurnChaos.serverDied(e)
                || SqlState.INVALID_AUTHORIZATION.equals(e.getSQLState()) && String.valueOf(e.getMessage()).contains("auth query failed");
    }

    @Override
    void assertPoolsComeBack() throws Exception {
        chaos.assertPoolComesBack(SCRAM_USER, SCRAM_PASSWORD, POOL_SIZE);
        chaos.assertPoolComesBack(AUTH_USER, AUTH_PASSWORD, POOL_SIZE);
    }
}
