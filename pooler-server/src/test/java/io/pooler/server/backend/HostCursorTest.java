package io.pooler.server.backend;

import io.pooler.config.LoadBalanceHosts;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Which host a new server connection tries first, as PgBouncer's rrcounter decides. */
class HostCursorTest {

    @Test
    void roundRobinStartsOneHostFurtherEachTime() {
        HostCursor cursor = new HostCursor(LoadBalanceHosts.ROUND_ROBIN);
        assertEquals(0, cursor.first(3));
        assertEquals(1, cursor.first(3));
        cursor.failed(1, 3); // failing over does not disturb the rotation
        assertEquals(2, cursor.first(3));
        assertEquals(0, cursor.first(3));
    }

    @Test
    void disableStaysOnAHostUntilItFailsThenStaysWhereTheFailoverLanded() {
        HostCursor cursor = new HostCursor(LoadBalanceHosts.DISABLE);
        assertEquals(0, cursor.first(3));
        assertEquals(0, cursor.first(3));
        cursor.failed(0, 3);
        assertEquals(1, cursor.first(3));
        cursor.failed(1, 3);
        cursor.failed(1, 3); // a second report of the same failure moves nothing
        cursor.succeeded(2);
        assertEquals(2, cursor.first(3));
        assertEquals(2, cursor.first(3));
    }
}
