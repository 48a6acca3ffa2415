package io.pooler.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pooler.config.ConfigLoader;
import io.pooler.config.PoolerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** pin_on_session_state resolves as pool_mode does: [users] over [databases] over [pgbouncer]. */
class PinOnSessionStateSettingTest {
    @TempDir
    Path dir;

    private boolean pinFor(String global, String database, String user, String db, String userName) throws Exception {
        Path ini = dir.resolve("pooler.ini");
        Files.writeString(ini, String.join("\n",
                "[databases]",
                "plain = host=127.0.0.1",
                "special = host=127.0.0.1" + (database == null ? "" : " pin_on_session_state=" + database),
                "[users]",
                "app =" + (user == null ? "" : " pin_on_session_state=" + user),
                "[pgbouncer]",
                global == null ? "" : "pin_on_session_state = " + global,
                ""));
        PoolerConfig config = ConfigLoader.load(ini).config();
        return PoolSettingsResolver.resolve(config, config.findDatabase(db).orElseThrow(), userName).pinOnSessionState();
    }

    @Test
    void userOverDatabaseOverGlobal() throws Exception {
        assertEquals(true, pinFor(null, null, null, "plain", "app"), "on by default");
        assertEquals(false, pinFor("0", null, null, "plain", "app"));
        assertEquals(true, pinFor("0", "1", null, "special", "app"));
        assertEquals(false, pinFor("0", "1", null, "plain", "app"));
        assertEquals(false, pinFor("1", "1", "0", "special", "app"));
        assertEquals(true, pinFor("0", "0", "1", "special", "app"));
        assertEquals(false, pinFor("1", "0", "1", "special", "other"));
    }
}
