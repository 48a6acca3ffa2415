package io.pooler.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ListenCommandTest {
    private static ListenCommand parse(String sql) {
        ByteBuf text = Unpooled.copiedBuffer(sql, StandardCharsets.UTF_8);
        try {
            return ListenCommand.parse(text, 0, text.writerIndex());
        } finally {
            text.release();
        }
    }

    @Test
    void loneStatementsAreCommands() {
        assertEquals(new ListenCommand(ListenCommand.Kind.LISTEN, "imbus"), parse("LISTEN imbus"));
        assertEquals(new ListenCommand(ListenCommand.Kind.LISTEN, "imbus"), parse("listen IMBUS;"));
        assertEquals(new ListenCommand(ListenCommand.Kind.LISTEN, "Mixed \"Case\""), parse("LISTEN \"Mixed \"\"Case\"\"\""));
        assertEquals(new ListenCommand(ListenCommand.Kind.UNLISTEN, "cron_trigger"), parse("/* c */ UNLISTEN cron_trigger ; -- bye"));
        assertEquals(new ListenCommand(ListenCommand.Kind.UNLISTEN_ALL, null), parse("unlisten *"));
        assertEquals("UNLISTEN", parse("unlisten *").commandTag());
        assertEquals("LISTEN", parse("LISTEN a").commandTag());
    }

    @Test
    void aMalformedQueryIsPostgresToRefuse() {
        assertEquals(new ListenCommand(ListenCommand.Kind.LISTEN, "a"), parseQuery("LISTEN a\0"));
        assertNull(parseQuery("LISTEN aX"), "no NUL at the end");
        assertNull(parseQuery("LISTEN a /* \0 */\0"), "a NUL inside");
        assertNull(parseQuery(""), "no text at all");
    }

    private static ListenCommand parseQuery(String body) {
        return QueryFrames.withQuery(body, ListenCommand::parseQuery);
    }

    @Test
    void anythingElseIsNot() {
        assertNull(parse("LISTEN a; LISTEN b"));
        assertNull(parse("select 1; LISTEN a"));
        assertNull(parse("LISTEN"));
        assertNull(parse("LISTEN *"));
        assertNull(parse("LISTEN 'a'"));
        assertNull(parse("LISTEN \"\""));
        assertNull(parse("NOTIFY a"));
        assertNull(parse(""));
    }

    @Test
    void longNamesAreClippedAsPostgresClipsThem() {
        String longName = "a".repeat(70);
        assertEquals("a".repeat(63), parse("LISTEN " + longName).channel());
        String multiByte = "é".repeat(40); // 80 bytes: clipped at 62, never inside a character
        assertEquals("é".repeat(31), parse("LISTEN \"" + multiByte + "\"").channel());
    }
}
