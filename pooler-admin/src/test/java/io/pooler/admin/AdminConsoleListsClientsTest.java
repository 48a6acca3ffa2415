package io.pooler.admin;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Which console commands get every client's row: those that print a row per client (SHOW CLIENTS,
 * SOCKETS, ACTIVE_SOCKETS, FDS) and KILL_CLIENT, which looks the client up among them. Building the rows
 * held each event loop for milliseconds with thousands of clients, for every command; the others count
 * (ConsoleClientCountsTest checks the counts against SHOW CLIENTS on a running pooler).
 */
class AdminConsoleListsClientsTest {
    private final AdminConsole console = new AdminConsole();

    @Test
    void onlyTheCommandsThatListClientsAskForTheirRows() {
        for (String query : List.of("SHOW CLIENTS", "show clients;", "SHOW SOCKETS", "SHOW ACTIVE_SOCKETS",
                "SHOW FDS", "KILL_CLIENT 42")) {
            assertTrue(console.listsClients(query), query);
        }
        for (String query : List.of("SHOW VERSION", "SHOW POOLS", "SHOW DATABASES", "SHOW USERS", "SHOW LISTS",
                "SHOW MEM", "SHOW STATS", "SHOW SERVERS", "SHOW ADVICE", "SHOW CONFIG", "SHOW STATE", "PAUSE",
                "RESUME", "RELOAD", "SET default_pool_size = 5", "SHOW nonsense", "not a command", "")) {
            assertFalse(console.listsClients(query), query);
        }
    }
}
