package io.pooler.bench.fleet;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The kit's ini adapted to a fleet: the fleet's sizes fit 200 server connections, and nothing else changes. */
class FleetIniTest {
    private static final Path KIT = Path.of("../conf/odoo");

    @Test
    void fleetSizesReachTheirClientCounts() {
        assertEquals(9, FleetShape.odooHosts(5000).hosts());
        assertEquals(5_499, FleetShape.odooHosts(5000).clientConnections());
        assertEquals(10_387, FleetShape.odooHosts(10_000).clientConnections());
        // The server budget holds every LISTENer of the largest fleet with room for the business pools.
        assertTrue(FleetIni.postgresPoolSize(FleetShape.odooHosts(10_000)) + 24 * 2 <= FleetIni.SERVER_BUDGET);
        assertTrue(FleetIni.SERVER_BUDGET <= 200);
    }

    @Test
    void onlyTheFleetsLinesChange() throws Exception {
        String kit = Files.readString(KIT.resolve("pooler.ini"));
        FleetShape shape = FleetShape.odooHosts(5000);

        String ini = FleetIni.render(kit, shape, "10.0.0.5", 5433, 7000, "/w/userlist.txt", null, false);

        assertTrue(ini.contains("postgres = host=10.0.0.5 port=5433 pool_mode=session pool_size=47 reserve_pool=0"
                + " max_db_connections=47"), ini);
        assertTrue(ini.contains("* = host=10.0.0.5 port=5433 pool_mode=transaction pool_size=20 reserve_pool=4"
                + " max_db_connections=24"), ini);
        assertTrue(ini.contains("odoo = max_user_connections=190"), ini);
        assertTrue(ini.contains("listen_port = 7000\n") && ini.contains("auth_file = /w/userlist.txt\n"), ini);
        assertTrue(ini.contains("max_client_conn = 5999\n"), ini);
        List<String> kitLines = kit.lines().toList();
        long changed = ini.lines().filter(l -> !kitLines.contains(l)).count();
        assertTrue(ini.contains("\n;max_prepared_statements = 200\n"), ini);
        assertEquals(7, changed, "seven lines adapted, the rest as shipped");
        assertTrue(ini.contains("\nworker_threads = 1\n"), "Pooler runs the kit's one event loop");
        String pgbouncer = FleetIni.render(kit, shape, "10.0.0.5", 5433, 7000, "/w/userlist.txt", null, true);
        assertTrue(pgbouncer.contains("\n;worker_threads = 1\n"), "PgBouncer refuses a key it does not know");
        assertEquals(8, pgbouncer.lines().filter(l -> !kitLines.contains(l)).count());
        assertTrue(FleetIni.render(kit, shape, "h", 1, 2, "a", "pool_size=2 reserve_pool=0", false)
                .contains("pool_mode=transaction pool_size=2 reserve_pool=0 max_db_connections=24"));
    }

    @Test
    void readsTheOdooVerifierFromTheKitsUserlist() throws Exception {
        String verifier = FleetIni.verifier(Files.readString(KIT.resolve("userlist.txt")));
        assertTrue(verifier.startsWith("SCRAM-SHA-256$4096:") && !verifier.contains("\""), verifier);
    }

    @Test
    void adviceIsWrittenIntoTheWildcardEntry() {
        String ini = "[databases]\n* = host=h port=1 pool_mode=transaction pool_size=2 reserve_pool=0 max_db_connections=24\n";
        String applied = AdviceRun.apply(List.of(java.util.Map.of("setting", "[databases] * pool_size",
                "suggested_value", "7")), ini);
        assertTrue(applied.contains("pool_mode=transaction pool_size=7 reserve_pool=0 max_db_connections=24"), applied);
    }
}
