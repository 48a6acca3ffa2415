package io.pooler.admin;

import io.pooler.admin.AdminCommandParser.BadArguments;
import io.pooler.admin.AdminCommandParser.Command;
import io.pooler.admin.AdminCommandParser.Invalid;
import io.pooler.admin.AdminCommandParser.Set;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/** PgBouncer's console grammar (src/admin.c): one command, an optional argument, an optional semicolon. */
class AdminCommandParserTest {

    @Test
    void commandsWithAndWithoutArgument() {
        assertEquals(new Command("SHOW", "POOLS"), AdminCommandParser.parse("SHOW POOLS"));
        assertEquals(new Command("show", "pools"), AdminCommandParser.parse("  show\tpools ;  "));
        assertEquals(new Command("RELOAD", ""), AdminCommandParser.parse("RELOAD;"));
        assertEquals(new Command("pause", "my_db"), AdminCommandParser.parse("pause my_db"));
    }

    @Test
    void quotedNamesMayHoldAnything() {
        assertEquals(new Command("PAUSE", "my-db"), AdminCommandParser.parse("PAUSE \"my-db\""));
        assertEquals(new Command("PAUSE", "say \"hi\""), AdminCommandParser.parse("PAUSE \"say \"\"hi\"\"\""));
    }

    @Test
    void setTakesAWordOrAQuotedString() {
        assertEquals(new Set("default_pool_size", "30"), AdminCommandParser.parse("SET default_pool_size = 30"));
        assertEquals(new Set("server_reset_query", "DISCARD ALL"),
                AdminCommandParser.parse("set server_reset_query to 'DISCARD ALL';"));
        assertEquals(new Set("application_name_add_host", "it's"),
                AdminCommandParser.parse("SET application_name_add_host = 'it''s'"));
    }

    @Test
    void anythingElseIsNotACommand() {
        assertInstanceOf(Invalid.class, AdminCommandParser.parse("SHOW POOLS EXTRA"));
        assertInstanceOf(Invalid.class, AdminCommandParser.parse("SHOW POOLS; SHOW STATS"));
        assertInstanceOf(Invalid.class, AdminCommandParser.parse("PAUSE my-db"));
        assertInstanceOf(Invalid.class, AdminCommandParser.parse(""));
    }

    @Test
    void overlongWordsAreBadArguments() {
        assertInstanceOf(BadArguments.class, AdminCommandParser.parse("abcdefghijklmnopq"));
        assertInstanceOf(BadArguments.class, AdminCommandParser.parse("PAUSE " + "d".repeat(64)));
        assertEquals(new Command("PAUSE", "d".repeat(63)), AdminCommandParser.parse("PAUSE " + "d".repeat(63)));
    }
}
