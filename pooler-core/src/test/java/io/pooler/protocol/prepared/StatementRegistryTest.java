package io.pooler.protocol.prepared;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Statements nobody uses any more are forgotten, so the registry stays as large as what is in use. */
class StatementRegistryTest {

    @Test
    void statementsNoLongerUsedAreForgotten() throws Exception {
        StatementRegistry registry = new StatementRegistry();
        PreparedStatement kept = registry.statementFor(definition("select 'kept'"));
        long forgottenId = registry.statementFor(definition("select 'once'")).id();
        for (int i = 0; i < 1000; i++) {
            registry.statementFor(definition("select " + i)); // parsed, closed, never used again
        }
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (registry.size() > 1 && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(10);
        }
        assertEquals(1, registry.size(), "only the statement still referenced is left");
        assertSame(kept, registry.statementFor(definition("select 'kept'")));
        assertNotEquals(forgottenId, registry.statementFor(definition("select 'once'")).id(),
                "parsed again after it was forgotten: a new number, which no server can have");
        assertTrue(kept.id() > 0);
    }

    @Test
    void theSameDefinitionIsTheSameStatement() {
        StatementRegistry registry = new StatementRegistry();
        PreparedStatement first = registry.statementFor(definition("select 1"));
        assertSame(first, registry.statementFor(definition("select 1")));
        assertSame(first, registry.knownStatement(definition("select 1")));
        assertEquals(null, registry.knownStatement(definition("select 2")));
    }

    /** What follows the name in a Parse message: the query, then no parameter types. */
    private static byte[] definition(String query) {
        byte[] text = query.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[text.length + 3];
        System.arraycopy(text, 0, out, 0, text.length);
        return out;
    }
}
