package io.pooler.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class UsersSectionTest {

    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve("pooler.ini").toAbsolutePath();
    }

    private LoadedConfig load(String... userLines) throws ConfigException {
        String[] lines = new String[userLines.length + 2];
        lines[0] = "[pgbouncer]";
        lines[1] = "[users]";
        System.arraycopy(userLines, 0, lines, 2, userLines.length);
        return ConfigLoader.load(IniFiles.write(dir.resolve("pooler.ini"), lines));
    }

    @Test
    void readsEverySupportedKey() throws Exception {
        LoadedConfig loaded = load("batch = pool_mode=transaction max_user_connections=10 pool_size=5"
                + " reserve_pool_size=1 max_user_client_connections=50");

        UserEntry user = loaded.config().users().get("batch");
        assertEquals("batch", user.name());
        assertEquals(Optional.of(PoolMode.TRANSACTION), user.poolMode());
        assertEquals(OptionalInt.of(10), user.maxUserConnections());
        assertEquals(OptionalInt.of(5), user.poolSize());
        assertEquals(OptionalInt.of(1), user.reservePoolSize());
        assertEquals(OptionalInt.of(50), user.maxUserClientConnections());
        assertEquals(List.of(), loaded.warnings());
    }

    @Test
    void anEmptyEntryOverridesNothing() throws Exception {
        UserEntry user = load("plain =").config().users().get("plain");

        assertEquals(Optional.empty(), user.poolMode());
        assertEquals(OptionalInt.empty(), user.poolSize());
        assertEquals(OptionalInt.empty(), user.reservePoolSize());
        assertEquals(OptionalInt.empty(), user.maxUserConnections());
        assertEquals(OptionalInt.empty(), user.maxUserClientConnections());
    }

    @Test
    void keepsFileOrder() throws Exception {
        assertEquals(List.of("z", "a"), List.copyOf(load("z =", "a =").config().users().keySet()));
    }

    @Test
    void keepsPgBouncersPerUserTimeouts() throws Exception {
        LoadedConfig loaded = load("a = query_timeout=5 idle_transaction_timeout=1",
                "b = query_timeout=6 transaction_timeout=2.5 client_idle_timeout=0 query_wait_timeout=0 pool_size=3");

        assertEquals(List.of(), loaded.warnings());
        UserEntry a = loaded.config().users().get("a");
        UserEntry b = loaded.config().users().get("b");
        assertEquals(java.util.Optional.of(java.time.Duration.ofSeconds(5)), a.queryTimeout());
        assertEquals(java.util.Optional.of(java.time.Duration.ofSeconds(1)), a.idleTransactionTimeout());
        assertEquals(java.util.Optional.empty(), a.transactionTimeout());
        assertEquals(java.util.Optional.of(java.time.Duration.ofMillis(2500)), b.transactionTimeout());
        assertEquals(java.util.Optional.of(java.time.Duration.ZERO), b.clientIdleTimeout());
        assertEquals(java.util.Optional.of(java.time.Duration.ZERO), b.queryWaitTimeout());
        assertEquals(OptionalInt.of(3), b.poolSize());
    }

    @Test
    void clientIdleTimeoutIsOnWhenAnyUserSetsItAboveZero() throws Exception {
        assertFalse(ClientTimeouts.clientIdleTimeoutOn(load("a = client_idle_timeout=0", "b =").config()));
        assertTrue(ClientTimeouts.clientIdleTimeoutOn(load("a = client_idle_timeout=0", "b = client_idle_timeout=3")
                .config()));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "u = max_connections=1     | user \"u\": unknown key \"max_connections\" in [users]",
            "u = pool_size=lots        | user \"u\": invalid value \"lots\" for key \"pool_size\": not an integer",
            "u = pool_mode=x           | user \"u\": invalid value \"x\" for key \"pool_mode\": expected one of session, transaction, statement",
            "u = query_timeout=soon    | user \"u\": invalid value \"soon\" for key \"query_timeout\": not a number of seconds",
            "u = pool_mode             | user \"u\": syntax error in connection string: expected \"=\" after \"pool_mode\"",
    })
    void refusesBadEntriesNamingFileLineAndKey(String line, String problem) {
        ConfigException e = assertThrows(ConfigException.class, () -> load(line));

        assertEquals(file() + ":3: " + problem, e.getMessage());
    }
}
