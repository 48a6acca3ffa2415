package io.pooler.config;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SET on the admin console: one key changed, checked like the file, the rest untouched. */
class SettingsWithTest {
    private final Settings base = new SettingsBuilder().build(Path.of("/etc/pooler/pooler.ini"));

    @Test
    void changesOneKeyAndShowsItAsShowConfigWould() {
        Settings changed = base.with("DEFAULT_POOL_SIZE", "7");
        assertEquals(7, changed.defaultPoolSize());
        assertEquals("7", changed.raw("default_pool_size"));
        assertEquals(20, base.defaultPoolSize(), "the original stays");
        assertEquals(base.maxClientConn(), changed.maxClientConn());
    }

    @Test
    void refusesWhatTheLoaderRefuses() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> base.with("default_pool_size", "many"));
        assertTrue(e.getMessage().contains("default_pool_size"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> base.with("no_such_key", "1"));
    }

    @Test
    void metricsEndpointIsOffUnlessAnAddressIsSet() {
        assertEquals("", base.metricsListenAddr());
        assertEquals(9127, base.metricsListenPort());
        assertTrue(base.logStats());
        PoolerConfig config = new PoolerConfig(base, Map.of(), null, Map.of(), Path.of("/etc/pooler/pooler.ini"));
        assertEquals("0", config.withSettings(base.with("log_stats", "0")).settings().raw("log_stats"));
    }
}
