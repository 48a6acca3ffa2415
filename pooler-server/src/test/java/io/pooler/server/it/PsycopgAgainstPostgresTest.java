package io.pooler.server.it;

import io.pooler.testing.PostgresInstance;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Differential with a real driver: psycopg 3 (Debian's python3-psycopg), preparing every statement, runs
 * seeded random sequences of statements (some failing; savepoints, COMMIT, ROLLBACK, END, ABORT, BEGIN;
 * autocommit on or off) directly against PostgreSQL and through the pooler (transaction pooling, one
 * server, named statements tracked, so that each sequence's statements meet the last one's on the same
 * server); rows or SQLSTATE and the transaction status after each statement must be alike
 * (resources/python/psycopg3_differential.py). {@code -Ddifferential.seed=N} replays a run.
 */
@PoolerTest
class PsycopgAgainstPostgresTest {
    private static final int SEQUENCES = 100;

    private final PostgresInstance pg;
    private final PoolerFixture pooler;

    PsycopgAgainstPostgresTest(PostgresInstance pg, PoolerFixture pooler) {
        this.pg = pg;
        this.pooler = BatchesAgainstPostgresTest.oneServerTrackingStatements(pooler);
    }

    @Test
    void psycopgGetsWhatPostgresAnswers() throws Exception {
        assumeTrue(PythonClients.importable("psycopg"), "python3-psycopg (psycopg 3) is not installed (apt-get install python3-psycopg)");
        assumeTrue(pg.unixSocketDir().isPresent(), "PostgreSQL's unix socket (local binaries, not a container)");
        pooler.start();
        long seed = Long.getLong("differential.seed", 20261207L);
        PythonClients.Finished run = PythonClients.run("psycopg3_differential.py", Duration.ofMinutes(3),
                direct(), pooled(), Long.toString(seed), Integer.toString(SEQUENCES));
        assertEquals(0, run.exitStatus(), run.output());
    }

    /**
     * psycopg 3 in pipeline mode after a ROLLBACK writes its own DEALLOCATE ALL with the statements behind
     * it (resources/python/psycopg3_pipeline_discard.py): through the pooler they failed, "prepared
     * statement POOLER_n does not exist", where PostgreSQL ran them.
     */
    @Test
    void psycopgPipelinesAfterARollbackAsOnADirectConnection() throws Exception {
        assumeTrue(PythonClients.importable("psycopg"), "python3-psycopg (psycopg 3) is not installed (apt-get install python3-psycopg)");
        assumeTrue(pg.unixSocketDir().isPresent(), "PostgreSQL's unix socket (local binaries, not a container)");
        pooler.start();
        PythonClients.Finished run = PythonClients.run("psycopg3_pipeline_discard.py", Duration.ofMinutes(1),
                direct(), pooled());
        assertEquals(0, run.exitStatus(), run.output());
    }

    private String direct() {
        return "host=" + pg.unixSocketDir().orElseThrow() + " port=" + pg.port() + " dbname=" + DB + " user=" + SCRAM_USER;
    }

    private String pooled() {
        return "host=127.0.0.1 port=" + pooler.port() + " dbname=" + DB + " user=" + SCRAM_USER;
    }
}
