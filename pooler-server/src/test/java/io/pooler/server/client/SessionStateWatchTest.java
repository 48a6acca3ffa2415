package io.pooler.server.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.pooler.protocol.TrackedParameters;
import io.pooler.sql.SessionPin;
import io.pooler.sql.SessionStateScanner;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a client's statements leave on its server, as the release decision reads it. */
class SessionStateWatchTest {
    private final TrackedParameters tracked = new TrackedParameters(List.of());
    private final SessionStateWatch watch = new SessionStateWatch("C-1");

    /** One simple Query, as it travels, scanned with the pins the watch holds. */
    private void query(String sql) {
        byte[] text = (sql + "\0").getBytes(StandardCharsets.UTF_8);
        ByteBuf frame = Unpooled.buffer().writeByte('Q').writeInt(4 + text.length).writeBytes(text);
        try {
            watch.scanned(SessionStateScanner.scanMessage(tracked, watch.pins(), frame));
        } finally {
            frame.release();
        }
    }

    @Test
    void aSessionSetPinsAndItsResetClearsThePinButLeavesTheServerInDoubt() {
        query("SET search_path TO app");
        assertEquals(SessionPin.SET.bit(), watch.pins());
        assertFalse(watch.inDoubt());

        query("RESET ALL"); // a ROLLBACK may undo it: the scan cannot tell
        assertEquals(0, watch.pins());
        assertTrue(watch.inDoubt());

        watch.resetDone();
        assertFalse(watch.inDoubt());
    }

    @Test
    void aRoleClearedIsInDoubtEvenWhenNoneWasHeld() {
        query("RESET ROLE");
        assertEquals(0, watch.pins());
        assertTrue(watch.inDoubt());
    }

    @Test
    void aClearOfAPinNotHeldCostsNothing() {
        query("UNLISTEN *"); // asyncpg's reset on every release
        assertEquals(0, watch.pins());
        assertFalse(watch.inDoubt());
    }

    @Test
    void aTextNotScannedLeavesTheServerInDoubtAndPinsNothing() {
        watch.notScanned();
        assertEquals(0, watch.pins());
        assertTrue(watch.inDoubt());
    }
}
