package io.pooler.bench.load;

import io.pooler.testing.PostgresExtension;
import io.pooler.testing.PostgresInstance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The load generator's clients send the application_name they are given: one each, as Odoo's workers do. */
@ExtendWith(PostgresExtension.class)
class ApplicationNamesTest {
    private static final String ROLE = "bench_names";
    private static final String PASSWORD = "bench_names";

    @Test
    void namesAreOdooStyleAndPerClient() {
        ApplicationNames names = ApplicationNames.odooPerClient();
        assertEquals("odoo-100000", names.nameOf(0));
        assertEquals("odoo-100007", names.nameOf(7));
        assertEquals("odoo-100010", names.skipping(3).nameOf(7));
        assertEquals("pooler-bench", ApplicationNames.SHARED.nameOf(7));
    }

    @Test
    void eachClientLogsInWithItsOwnName(PostgresInstance pg) throws Exception {
        pg.createRole(ROLE, PASSWORD, "scram-sha-256");
        pg.createDatabase(ROLE, ROLE);
        Endpoint endpoint = new Endpoint(pg.host(), pg.port(), ROLE, new Credentials(ROLE, PASSWORD));
        LoadSpec spec = LoadSpec.closedLoop(endpoint, 3, TransactionScript.selectOnly(1), Protocol.SIMPLE)
                .withPacing(Pacing.idle())
                .withApplicationNames(ApplicationNames.odooPerClient());
        try (LoadGenerator load = LoadGenerator.start(spec)) {
            load.connect(Duration.ofSeconds(30));
            assertEquals(Set.of("odoo-100000", "odoo-100001", "odoo-100002"), applicationNames(pg));
        }
    }

    private static Set<String> applicationNames(PostgresInstance pg) throws Exception {
        Set<String> names = new HashSet<>();
        try (Connection c = pg.connectAsSuperuser("postgres"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT application_name FROM pg_stat_activity WHERE usename = '" + ROLE + "'")) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        return names;
    }
}
