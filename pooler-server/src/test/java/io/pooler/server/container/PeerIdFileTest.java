package io.pooler.server.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pooler.config.ConfigLoader;
import io.pooler.config.LoadedConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PeerIdFileTest {

    @Test
    void theOrdinalPlusOneSinceZeroTurnsPeeringOff() {
        assertEquals(1, PeerIdFile.peerId("pooler-0"));
        assertEquals(3, PeerIdFile.peerId("pooler-2"));
        assertEquals(13, PeerIdFile.peerId("my-pooler-12"));
        assertEquals(PeerIdFile.MAX_PEER_ID, PeerIdFile.peerId("pooler-16382"));
    }

    @Test
    void namesThatAreNotAStatefulSetPodsAreRefused() {
        for (String name : List.of("pooler", "pooler-", "-3", "pooler-x1", "pooler-7f9c", "pooler-16383", "pooler-999999")) {
            assertThrows(IllegalArgumentException.class, () -> PeerIdFile.peerId(name), name);
        }
    }

    /** The file as the StatefulSet's ini reads it: %included inside [pgbouncer]. */
    @Test
    void theFileIsOneSettingInThePgbouncerSection(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("peer_id.ini"), PeerIdFile.contents("pooler-4"));
        Files.writeString(dir.resolve("pgbouncer.ini"), String.join("\n",
                "[pgbouncer]", "listen_port = 6432", "%include peer_id.ini", "[databases]", ""));
        LoadedConfig loaded = ConfigLoader.load(dir.resolve("pgbouncer.ini"));
        assertEquals("5", loaded.config().settings().raw("peer_id"));
        // Until peers land Pooler warns that it ignores peer_id; either way the line loads.
        assertTrue(loaded.warnings().stream().allMatch(w -> w.contains("peer_id")), loaded.warnings().toString());
    }
}
