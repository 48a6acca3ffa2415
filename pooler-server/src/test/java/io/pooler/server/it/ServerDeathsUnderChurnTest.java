package io.pooler.server.it;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ServerDeathsUnderChurn} in the pool the clients use, whose user is in the auth file; and
 * PostgreSQL restarted under the churn, so that every server dies at once.
 */
@PoolerTest
@Tag("issue10")
class ServerDeathsUnderChurnTest extends ServerDeathsUnderChurn {

    ServerDeathsUnderChurnTest(PoolerFixture pooler) throws Exception {
        super(ChurnChaos.churnPooler(pooler, EVENT_LOOPS, POOL_SIZE).start(), new ChurnChaos(pooler, STEP_DEADLINE));
    }

    /**
     * PostgreSQL restarted twice (pg_ctl restart, fast shutdown) while the clients churn: every server
     * dies at once and logins are refused while it starts. Clients cut off may be told so (08, 57P0x:
     * admin shutdown, crash shutdown, cannot connect now); nobody waits past the deadline, and the pool
     * comes back.
     */
    @Test
    void postgresRestartsHurtOnlyTheClientsTheyCutOffAndThePoolComesBack() throws Exception {
        Outcome o = churnWhile(this::restartPostgresTwice, 2,
                e -> ChurnChaos.serverDied(e) || e.getSQLState() != null && e.getSQLState().startsWith("57P0"));
        assertEquals(2, o.disruptions(), "PostgreSQL restarted twice");
        assertTrue(o.answered() > ENOUGH_ANSWERS, "the clients got answers around the restarts: " + o);
        chaos.assertPoolComesBack(POOL_SIZE);
        System.err.printf("postgres restarts: %d answers, %d clients told their server died%n", o.answered(), o.hurt());
    }

    /** Restarts PostgreSQL a third and two thirds into the planned run. */
    private void restartPostgresTwice(RunWindow window, AtomicInteger restarts) throws Exception {
        long third = (window.plannedEndNanos() - System.nanoTime()) / 3;
        for (int i = 1; i <= 2 && window.isOpen(); i++) {
            Thread.sleep(TimeUnit.NANOSECONDS.toMillis(third));
            pooler.postgres().restart();
            restarts.incrementAndGet();
        }
    }
}
