package io.pooler.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileLimitCheckTest {
    @TempDir
    Path dir;

    @Test
    void estimatesAsPgBouncerDocumentsIt() throws Exception {
        Files.writeString(dir.resolve("users.txt"), "\"a\" \"x\"\n\"b\" \"x\"\n\"c\" \"x\"\n");
        Files.writeString(dir.resolve("pooler.ini"), """
                [databases]
                shop = host=db1 pool_size=30
                crm = host=db2
                shared = host=db3 user=app
                [users]
                d = pool_mode=transaction
                [pgbouncer]
                max_client_conn = 1000
                default_pool_size = 20
                auth_file = users.txt
                """);
        RuntimeConfig rc = RuntimeConfigLoader.load(dir.resolve("pooler.ini")).config();
        FileLimitCheck.Estimate e = FileLimitCheck.estimate(rc);
        // Users a, b, c from the auth file and d from [users]; shared forces one user.
        assertEquals(new FileLimitCheck.Estimate(1000, 30, 3, 4, 30 * 4 + 30 * 4 + 30), e);
        assertEquals(1270, e.total());

        assertEquals(Optional.empty(), FileLimitCheck.warning(e, 4096, 40));
        String warning = FileLimitCheck.warning(e, 1024, 40).orElseThrow();
        assertEquals("max_client_conn (1000) plus up to 270 server connections (max pool_size 30 x 3 databases x 4 users)"
                + " plus 40 files open now is 1310, more than the open-file limit of 1024; raise it (LimitNOFILE= in"
                + " the systemd unit, ulimit -n) or lower max_client_conn/pool sizes", warning);
    }

    /** conf/odoo/ run by hand from a shell, whose open-file limit is often 1024: no warning. */
    @Test
    void theOdooKitFitsTheUsualShellLimit() throws Exception {
        RuntimeConfig rc = RuntimeConfigLoader.load(Path.of("../conf/odoo/pooler.ini")).config();
        FileLimitCheck.Estimate e = FileLimitCheck.estimate(rc);
        assertEquals(Optional.empty(), FileLimitCheck.warning(e, 1024, 100), e.toString());
    }

    @Test
    void readsTheSoftLimitOfThisProcess() {
        // Linux test machines: the JVM raises its soft limit to the hard one, a number either way.
        assertTrue(FileLimitCheck.openFileLimit().orElseThrow() > 0);
    }
}
