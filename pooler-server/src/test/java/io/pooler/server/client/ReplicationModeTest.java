package io.pooler.server.client;

import io.pooler.protocol.ProtocolException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The {@code replication} startup parameter read as PostgreSQL reads it (PgBouncer's set_replication). */
class ReplicationModeTest {

    @Test
    void databaseIsLogicalAndTrueBooleansArePhysical() {
        assertEquals(ReplicationMode.LOGICAL, ReplicationMode.parse("database"));
        for (String yes : new String[] {"true", "on", "yes", "1", "TRUE", "t", "y"}) {
            assertEquals(ReplicationMode.PHYSICAL, ReplicationMode.parse(yes), yes);
        }
        for (String no : new String[] {"false", "off", "no", "0", "f", "n"}) {
            assertEquals(ReplicationMode.NONE, ReplicationMode.parse(no), no);
        }
    }

    @Test
    void anythingElseIsRefusedWithPostgresError() {
        ProtocolException e = assertThrows(ProtocolException.class, () -> ReplicationMode.parse("Database"));
        assertEquals("22023", e.sqlState());
        assertEquals("invalid value for parameter \"replication\": \"Database\"", e.getMessage());
        assertThrows(ProtocolException.class, () -> ReplicationMode.parse(""));
        assertThrows(ProtocolException.class, () -> ReplicationMode.parse("o"));
    }

    @Test
    void serversAreAskedInPgBouncersSpelling() {
        assertEquals("database", ReplicationMode.LOGICAL.startupValue());
        assertEquals("yes", ReplicationMode.PHYSICAL.startupValue());
        assertEquals("physical", ReplicationMode.PHYSICAL.label());
    }
}
