package io.pooler.sql;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DiscardAllCommandTest {
    /** A well-formed Query of {@code sql}. */
    private static boolean lone(String sql) {
        return loneQuery(sql + "\0");
    }

    @Test
    void theLoneStatementInAnySpelling() {
        assertTrue(lone("DISCARD ALL"));
        assertTrue(lone("discard all;"));
        assertTrue(lone("  Discard\n\tAll ; "));
        assertTrue(lone("/* psycopg2 */ DISCARD ALL -- reset"));
    }

    @Test
    void aMalformedQueryIsPostgresToRefuse() {
        assertTrue(loneQuery("DISCARD ALL\0"));
        assertFalse(loneQuery("DISCARD ALLX"), "no NUL at the end");
        assertFalse(loneQuery("DISCARD ALL -- a\0b\0"), "a NUL inside");
        assertFalse(loneQuery("DISCARD ALL /* \0 */\0"), "a NUL inside");
        assertFalse(loneQuery(""), "no text at all");
    }

    private static boolean loneQuery(String body) {
        return QueryFrames.withQuery(body, DiscardAllCommand::isLoneQuery);
    }

    @Test
    void anythingElseGoesToTheServer() {
        assertFalse(lone("DISCARD ALL; SELECT 1"));
        assertFalse(lone("SELECT 1; DISCARD ALL"));
        assertFalse(lone("DISCARD ALL;;"));
        assertFalse(lone("DISCARD TEMP"));
        assertFalse(lone("DISCARD PLANS"));
        assertFalse(lone("DISCARD"));
        assertFalse(lone("DISCARD \"all\""));
        assertFalse(lone("DISCARD ALL ALL"));
        assertFalse(lone("DEALLOCATE ALL"));
        assertFalse(lone(""));
        assertFalse(lone("/*" + " ".repeat(LoneStatement.MAX_TEXT_BYTES) + "*/ DISCARD ALL"));
    }
}
