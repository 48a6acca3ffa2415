package io.pooler.sql;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DiscardStatementsCommandTest {
    private static boolean lone(String sql) {
        return QueryFrames.withQuery(sql + "\0", DiscardStatementsCommand::isLoneQuery);
    }

    @Test
    void deallocateAllAndDiscardAllInAnySpelling() {
        assertTrue(lone("DEALLOCATE ALL"), "psycopg 3's");
        assertTrue(lone("deallocate prepare all;"));
        assertTrue(lone("/* x */ Discard All -- y"));
        assertTrue(lone("  DISCARD\\tALL ; ".replace("\\t", "\t")));
    }

    @Test
    void anythingElseIsNot() {
        assertFalse(lone("DEALLOCATE x"), "one statement, by name");
        assertFalse(lone("DEALLOCATE ALL; select 1"), "more than one statement");
        assertFalse(lone("DISCARD PLANS"));
        assertFalse(lone("select 'DEALLOCATE ALL'"));
        assertFalse(lone("DEALLOCATE ALL " + "/*" + "x".repeat(300) + "*/"), "longer than it could be");
    }
}
