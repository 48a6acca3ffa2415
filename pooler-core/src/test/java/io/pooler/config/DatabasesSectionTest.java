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

class DatabasesSectionTest {

    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve("pooler.ini").toAbsolutePath();
    }

    private LoadedConfig load(String... databaseLines) throws ConfigException {
        String[] lines = new String[databaseLines.length + 2];
        lines[0] = "[pgbouncer]";
        lines[1] = "[databases]";
        System.arraycopy(databaseLines, 0, lines, 2, databaseLines.length);
        return ConfigLoader.load(IniFiles.write(dir.resolve("pooler.ini"), lines));
    }

    private PoolerConfig config(String... databaseLines) throws ConfigException {
        LoadedConfig loaded = load(databaseLines);
        assertEquals(List.of(), loaded.warnings());
        return loaded.config();
    }

    @Test
    void readsEverySupportedKey() throws Exception {
        DatabaseEntry db = config("app = host=db1.example.com port=6543 dbname=real user=svc password='p w'"
                + " pool_size=5 reserve_pool_size=2 max_db_connections=9 pool_mode=transaction"
                + " application_name='my app' client_encoding=UTF8 datestyle=ISO timezone=UTC")
                .databases().get("app");

        assertEquals("app", db.name());
        assertEquals("real", db.dbname());
        assertEquals(Optional.of("db1.example.com"), db.host());
        assertEquals(6543, db.port());
        assertEquals(Optional.of("svc"), db.user());
        assertEquals(Optional.of("p w"), db.password());
        assertEquals(OptionalInt.of(5), db.poolSize());
        assertEquals(OptionalInt.of(2), db.reservePoolSize());
        assertEquals(OptionalInt.of(9), db.maxDbConnections());
        assertEquals(Optional.of(PoolMode.TRANSACTION), db.poolMode());
        assertEquals(Optional.of("my app"), db.applicationName());
        assertEquals(Optional.of("UTF8"), db.clientEncoding());
        assertEquals(Optional.of("ISO"), db.datestyle());
        assertEquals(Optional.of("UTC"), db.timezone());
        assertFalse(db.isFallback());
        assertFalse(db.isUnixSocket());
    }

    @Test
    void anEmptyEntryUsesPgBouncersDefaults() throws Exception {
        DatabaseEntry db = config("local =").databases().get("local");

        assertEquals("local", db.dbname());
        assertEquals(Optional.empty(), db.host());
        assertTrue(db.isUnixSocket());
        assertEquals(5432, db.port());
        assertEquals(Optional.empty(), db.user());
        assertEquals(Optional.empty(), db.password());
        assertEquals(Optional.empty(), db.authUser());
        assertEquals(OptionalInt.empty(), db.poolSize());
        assertEquals(OptionalInt.empty(), db.reservePoolSize());
        assertEquals(OptionalInt.empty(), db.maxDbConnections());
        assertEquals(Optional.empty(), db.poolMode());
        assertEquals(Optional.empty(), db.applicationName());
        assertEquals(Optional.empty(), db.clientEncoding());
        assertEquals(Optional.empty(), db.datestyle());
        assertEquals(Optional.empty(), db.timezone());
    }

    @ParameterizedTest
    @CsvSource({
            "host=/var/run/postgresql, true",
            "host=@abstract, true",
            "host=localhost, false",
            "host=127.0.0.1, false",
            "'host=10.0.0.1,10.0.0.2', false",
    })
    void tellsUnixSocketsFromTcpHosts(String connectionString, boolean unixSocket) throws Exception {
        assertEquals(unixSocket, config("db = " + connectionString).databases().get("db").isUnixSocket());
    }

    @Test
    void unquotesValuesWithBothQuoteEscapes() throws Exception {
        DatabaseEntry db = config("db = password='it''s a \\'secret\\'' application_name = 'x y'").databases().get("db");

        assertEquals(Optional.of("it's a 'secret'"), db.password());
        assertEquals(Optional.of("x y"), db.applicationName());
    }

    @Test
    void acceptsPgBouncersOldReservePoolName() throws Exception {
        assertEquals(OptionalInt.of(3), config("db = reserve_pool=3").databases().get("db").reservePoolSize());
    }

    @Test
    void keepsFileOrderAndLetsALaterDefinitionWin() throws Exception {
        PoolerConfig config = config("b = port=1", "a =", "c =", "b = port=2");

        assertEquals(List.of("b", "a", "c"), List.copyOf(config.databases().keySet()));
        assertEquals(2, config.databases().get("b").port());
    }

    @Test
    void acceptsQuotedDatabaseNames() throws Exception {
        PoolerConfig config = config("\"my db\" = dbname=real");

        assertEquals("real", config.findDatabase("my db").orElseThrow().dbname());
    }

    @Test
    void theStarEntryIsTheFallbackForOtherNames() throws Exception {
        PoolerConfig config = config("app = host=apphost", "* = host=fallback port=5433");

        assertEquals(List.of("app"), List.copyOf(config.databases().keySet()));
        DatabaseEntry star = config.fallbackDatabase().orElseThrow();
        assertTrue(star.isFallback());
        assertEquals("*", star.name());

        DatabaseEntry other = config.findDatabase("other").orElseThrow();
        assertEquals("other", other.name());
        assertEquals("other", other.dbname());
        assertEquals(Optional.of("fallback"), other.host());
        assertEquals(5433, other.port());
        assertTrue(other.isFallback());

        assertEquals(Optional.of("apphost"), config.findDatabase("app").orElseThrow().host());
        assertEquals("App", config.findDatabase("App").orElseThrow().dbname(), "names are case-sensitive");
    }

    @Test
    void aFallbackWithItsOwnDbnameKeepsIt() throws Exception {
        DatabaseEntry other = config("* = host=fallback dbname=common").findDatabase("other").orElseThrow();

        assertEquals("other", other.name());
        assertEquals("common", other.dbname());
    }

    @Test
    void withoutAFallbackUnknownNamesAreNotFound() throws Exception {
        PoolerConfig config = config("app =");

        assertEquals(Optional.empty(), config.fallbackDatabase());
        assertEquals(Optional.empty(), config.findDatabase("other"));
    }

    @Test
    void withDbnameReplacesOnlyTheDbname() throws Exception {
        DatabaseEntry db = config("app = host=h dbname=one").databases().get("app").withDbname("two");

        assertEquals("app", db.name());
        assertEquals("two", db.dbname());
        assertEquals(Optional.of("h"), db.host());
    }

    @Test
    void toStringLeavesThePasswordOut() throws Exception {
        DatabaseEntry db = config("app = user=u password=hunter2").databases().get("app");

        assertFalse(db.toString().contains("hunter2"), db.toString());
    }

    @Test
    void entriesWithTheSameSettingsAreEqual() throws Exception {
        PoolerConfig first = config("a = host=h port=1 user=u password=p pool_mode=session");
        PoolerConfig second = config("a = port=1 host=h pool_mode=session password=p user=u");

        assertEquals(first.databases().get("a"), second.databases().get("a"));
        assertEquals(first.databases().get("a").hashCode(), second.databases().get("a").hashCode());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "app = hots=x              | database \"app\": unknown key \"hots\" in [databases]",
            "app = Host=x              | database \"app\": unknown key \"Host\" in [databases]",
            "app = port=abc            | database \"app\": invalid value \"abc\" for key \"port\": not an integer",
            "app = port=0              | database \"app\": invalid value \"0\" for key \"port\": must be between 1 and 65535",
            "app = pool_size=-2        | database \"app\": invalid value \"-2\" for key \"pool_size\": must not be negative",
            "app = pool_mode=never     | database \"app\": invalid value \"never\" for key \"pool_mode\": expected one of session, transaction, statement",
            "app = host=               | database \"app\": syntax error in connection string: empty value for \"host\"",
            "app = password='x         | database \"app\": syntax error in connection string: unterminated quoted value for \"password\"",
            "app = host                | database \"app\": syntax error in connection string: expected \"=\" after \"host\"",
            "pgbouncer = host=x        | database name \"pgbouncer\" is reserved for the admin console",
            "app = load_balance_hosts=x | database \"app\": invalid value \"x\" for key \"load_balance_hosts\": expected one of disable, round-robin",
    })
    void refusesBadEntriesNamingFileLineAndKey(String line, String problem) {
        ConfigException e = assertThrows(ConfigException.class, () -> load("ok =", line));

        assertEquals(file() + ":4: " + problem, e.getMessage());
        assertEquals(4, e.line());
    }

    @Test
    void keepsConnectQueryAndTheOtherKeys() throws Exception {
        LoadedConfig loaded = load(
                "a = connect_query='SELECT 1' min_pool_size=2",
                "b = connect_query='SELECT 2' load_balance_hosts=disable server_lifetime=60"
                        + " max_db_client_connections=5");

        assertEquals(List.of(), loaded.warnings());
        assertEquals(java.util.Optional.of("SELECT 1"), loaded.config().databases().get("a").connectQuery());
        assertEquals(java.util.Optional.of("SELECT 2"), loaded.config().databases().get("b").connectQuery());
        assertEquals(java.util.Optional.of(java.time.Duration.ofSeconds(60)),
                loaded.config().databases().get("b").serverLifetime());
        assertEquals(List.of("a", "b"), List.copyOf(loaded.config().databases().keySet()));
        assertEquals(2, loaded.config().databases().get("a").minPoolSize().getAsInt());
        assertEquals(5, loaded.config().databases().get("b").maxDbClientConnections().getAsInt());
    }

    @Test
    void aHostListKeepsItsOrderAndLoadBalanceHostsDefaultsToRoundRobin() throws Exception {
        LoadedConfig loaded = load("a = host=db1.example.com,10.0.0.2,db3 port=6543",
                "b = host=one load_balance_hosts=disable", "c = dbname=c");

        DatabaseEntry a = loaded.config().databases().get("a");
        assertEquals(List.of("db1.example.com", "10.0.0.2", "db3"), a.hosts());
        assertEquals(6543, a.port());
        assertEquals(LoadBalanceHosts.ROUND_ROBIN, a.loadBalanceHosts());
        assertEquals(List.of("one"), loaded.config().databases().get("b").hosts());
        assertEquals(LoadBalanceHosts.DISABLE, loaded.config().databases().get("b").loadBalanceHosts());
        assertEquals(List.of(), loaded.config().databases().get("c").hosts());
    }

    @Test
    void keepsPerDatabaseAuthQuerySettings() throws Exception {
        LoadedConfig loaded = load("a = auth_user=lookup auth_query='SELECT u, p FROM f($1)' auth_dbname=authdb", "b =");

        DatabaseEntry a = loaded.config().databases().get("a");
        assertEquals(Optional.of("lookup"), a.authUser());
        assertEquals(Optional.of("SELECT u, p FROM f($1)"), a.authQuery());
        assertEquals(Optional.of("authdb"), a.authDbname());
        assertEquals(Optional.empty(), loaded.config().databases().get("b").authQuery());
        assertEquals(List.of(), loaded.warnings());
    }
}
