package io.pooler.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.pooler.protocol.TrackedParameters;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class SessionStateScannerTest {
    private final TrackedParameters tracked = new TrackedParameters(List.of());

    private int pinsAfter(int before, String sql) {
        ByteBuf text = Unpooled.copiedBuffer("xx" + sql + "yy", StandardCharsets.UTF_8);
        try {
            // scan a slice in the middle of a larger buffer, as the relay does with a message body
            return SessionStateScanner.apply(tracked, before, text, 2, text.writerIndex() - 2);
        } finally {
            text.release();
        }
    }

    private String pins(String sql) {
        return SessionPin.labels(pinsAfter(0, sql));
    }

    @ParameterizedTest(name = "{0} -> [{1}]")
    @CsvSource(delimiter = '|', value = {
        "select 1|",
        "SET search_path TO app|session parameter",
        "set session statement_timeout = 5|session parameter",
        "SET LOCAL statement_timeout = 5|",
        "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE|",
        "SET CONSTRAINTS ALL DEFERRED|",
        "SET application_name = 'x'|",
        "SET TIME ZONE 'UTC'|",
        "SET NAMES 'UTF8'|",
        "SET DateStyle TO ISO|",
        "SET \"TimeZone\" = 'UTC'|",
        "SET SCHEMA 'app'|session parameter",
        "SET ROLE admin|role",
        "SET SESSION ROLE admin|role",
        "SET role = admin|role",
        "SET \"role\" TO admin|role",
        "SET SESSION AUTHORIZATION bob|session authorization",
        "SET session_authorization = bob|session authorization",
        "SET SESSION session_authorization TO 'bob'|session authorization",
        "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY|session parameter",
        "SET SESSION AUTHORIZATION DEFAULT|",
        "SET ROLE NONE|",
        "RESET ROLE|",
        "DISCARD ALL|",
        "SET myext.flag = on|session parameter",
        "PREPARE q(int) AS SELECT $1|prepared statement",
        "PREPARE TRANSACTION 'gid'|",
        "DECLARE c CURSOR WITH HOLD FOR SELECT 1|cursor with hold",
        "DECLARE c NO SCROLL CURSOR WITHOUT HOLD FOR SELECT 1|",
        "DECLARE c CURSOR FOR SELECT 'with hold'|",
        "CREATE TEMP TABLE t(a int)|temp table",
        "create global temporary table t(a int) on commit delete rows|temp table",
        "CREATE TEMPORARY TABLE t(a int) ON COMMIT DROP|",
        "CREATE TEMP VIEW v AS SELECT 1|temp table",
        "CREATE OR REPLACE TEMP VIEW v AS SELECT 1|temp table",
        "CREATE TABLE temp(a int)|",
        "SELECT 1 AS a INTO TEMP t|temp table",
        "INSERT INTO temp VALUES (1)|",
        "SELECT pg_advisory_lock(42)|advisory lock",
        "select pg_catalog.pg_try_advisory_lock_shared(1, 2)|advisory lock",
        "SELECT pg_advisory_xact_lock(42)|",
        "SELECT pg_advisory_lock|",
        "SELECT 'pg_advisory_lock(1)'|",
        "SELECT $$ pg_advisory_lock(1) $$|",
        "SELECT $tag$ a $$ pg_advisory_lock(1) $tag$|",
        "SELECT 1 -- pg_advisory_lock(1)|",
        "SELECT /* /* nested */ pg_advisory_lock(1) */ 1|",
        "SELECT \"pg_advisory_lock\"(1)|",
        "SELECT E'\\' pg_advisory_lock(1)'|",
        "LOAD 'auto_explain'|load",
        "LISTEN jobs|listen",
        "select 1; LISTEN jobs; select 2|listen",
        "SET search_path TO a; RESET ALL|",
        "SET ROLE admin; RESET ALL|role",
        "SET role = admin; RESET ALL|role",
        "SET SESSION AUTHORIZATION bob; RESET ALL|session authorization",
        "SET session_authorization = bob; RESET ALL|session authorization",
        "SET ROLE admin; RESET ROLE|",
        "SET ROLE admin; RESET \"role\"|",
        "SET ROLE admin; SET ROLE NONE|",
        "SET ROLE admin; SET role TO DEFAULT|",
        "SET ROLE admin; SET role = none|",
        "SET ROLE admin; DISCARD ALL|",
        "SET SESSION AUTHORIZATION bob; SET ROLE admin; RESET ROLE|session authorization",
        "SET SESSION AUTHORIZATION bob; RESET SESSION AUTHORIZATION|",
        "SET SESSION AUTHORIZATION bob; SET ROLE admin; SET SESSION AUTHORIZATION DEFAULT|",
        "SET session_authorization = bob; SET ROLE admin; RESET session_authorization|",
        "SET SESSION AUTHORIZATION bob; DISCARD ALL|",
        "SET LOCAL ROLE admin|",
        "SET LOCAL session_authorization = bob|",
        "RESET ALL; SET search_path TO a|session parameter",
        "PREPARE a AS SELECT 1; DEALLOCATE ALL|",
        "PREPARE a AS SELECT 1; DEALLOCATE PREPARE ALL|",
        "PREPARE a AS SELECT 1; DEALLOCATE a|prepared statement",
        "DEALLOCATE \"POOLER_1\"|prepared statement",
        "deallocate prepare pooler_1|prepared statement",
        "DEALLOCATE ALL|",
        "EXECUTE a|",
        "SELECT pg_advisory_unlock_all(), pg_advisory_lock(1)|advisory lock",
        "SELECT pg_advisory_lock(1), pg_advisory_unlock_all()|",
        "LOAD 'x'; DISCARD ALL|load",
        "CREATE TEMP TABLE t(a int); SET search_path TO x; DISCARD ALL|",
        "CREATE TEMP TABLE t(a int); DISCARD TEMP|",
        "LISTEN a; UNLISTEN *|",
        "LISTEN a; UNLISTEN a|listen",
        "SET search_path TO x; SELECT pg_advisory_lock(1); PREPARE p AS SELECT 1|session parameter, prepared statement, advisory lock",
    })
    void recognisesSessionState(String sql, String expected) {
        assertEquals(expected == null ? "" : expected, pins(sql));
    }

    @Test
    void clearingStatementsClearWhatWasThereBefore() {
        int all = SessionPin.SET.bit() | SessionPin.PREPARE.bit() | SessionPin.HOLD_CURSOR.bit()
                | SessionPin.TEMP_TABLE.bit() | SessionPin.ADVISORY_LOCK.bit() | SessionPin.LOAD.bit()
                | SessionPin.LISTEN.bit() | SessionPin.ROLE.bit() | SessionPin.SESSION_AUTHORIZATION.bit();
        assertEquals("load", SessionPin.labels(pinsAfter(all, "DISCARD ALL")));
        assertEquals(all & ~SessionPin.HOLD_CURSOR.bit(), pinsAfter(all, "close all"));
        assertEquals(all & ~SessionPin.ADVISORY_LOCK.bit(), pinsAfter(all, "SELECT pg_advisory_unlock_all()"));
        assertEquals(all & ~SessionPin.LISTEN.bit(), pinsAfter(all, "UNLISTEN *"));
        assertEquals(all, pinsAfter(all, "SELECT pg_advisory_unlock(1)"));
        assertEquals(all, pinsAfter(all, "select 1"));
        // PostgreSQL's RESET ALL leaves role and session_authorization as they are (GUC_NO_RESET_ALL).
        assertEquals(all & ~SessionPin.SET.bit(), pinsAfter(all, "RESET ALL"));
        assertEquals(all & ~SessionPin.ROLE.bit(), pinsAfter(all, "RESET ROLE"));
        assertEquals(all & ~SessionPin.ROLE.bit() & ~SessionPin.SESSION_AUTHORIZATION.bit(),
                pinsAfter(all, "RESET SESSION AUTHORIZATION"));
    }

    @Test
    void trackedExtraParametersDoNotPin() {
        TrackedParameters withSearchPath = new TrackedParameters(List.of("search_path"));
        ByteBuf text = Unpooled.copiedBuffer("SET search_path = a, b", StandardCharsets.UTF_8);
        try {
            assertEquals(0, SessionStateScanner.apply(withSearchPath, 0, text, 0, text.writerIndex()));
        } finally {
            text.release();
        }
    }

    @Test
    void readsTheTextOfQueryAndParseMessages() {
        ByteBuf query = io.pooler.protocol.PgFrames.simpleQuery(io.netty.buffer.UnpooledByteBufAllocator.DEFAULT,
                "CREATE TEMP TABLE t(a int)");
        ByteBuf parse = Unpooled.buffer();
        int start = io.pooler.protocol.PgFrames.beginMessage(parse, io.pooler.protocol.MessageType.PARSE);
        io.pooler.protocol.PgFrames.writeCString(parse, "S_1");
        io.pooler.protocol.PgFrames.writeCString(parse, "select pg_advisory_lock($1)");
        parse.writeShort(0);
        io.pooler.protocol.PgFrames.endMessage(parse, start);
        ByteBuf sync = Unpooled.buffer().writeByte('S').writeInt(4);
        ByteBuf truncatedParse = Unpooled.buffer().writeByte('P').writeInt(9).writeBytes(new byte[] {'a', 'b', 'c', 'd', 'e'});
        try {
            assertEquals(SessionPin.TEMP_TABLE.bit(), SessionStateScanner.applyMessage(tracked, 0, query));
            assertEquals(SessionPin.ADVISORY_LOCK.bit(), SessionStateScanner.applyMessage(tracked, 0, parse));
            assertEquals(SessionPin.LOAD.bit(), SessionStateScanner.applyMessage(tracked, SessionPin.LOAD.bit(), sync));
            assertEquals(0, SessionStateScanner.applyMessage(tracked, 0, truncatedParse));
            assertEquals(0, query.readerIndex(), "the frame is left as it was");
        } finally {
            query.release();
            parse.release();
            sync.release();
            truncatedParse.release();
        }
    }

    /** One scan says both what the session holds after the query and what a statement of it cleared. */
    @ParameterizedTest(name = "{0} -> [{1}] cleared [{2}]")
    @CsvSource(delimiter = '|', value = {
        "select 1|listen|",
        "UNLISTEN *||listen",
        "UNLISTEN *; LISTEN b|listen|listen",
        "DISCARD ALL; LISTEN b|listen|'session parameter, prepared statement, cursor with hold, temp table, advisory lock, listen, role, session authorization'",
        "UNLISTEN a|listen|",
        "select pg_advisory_unlock_all()|listen|advisory lock",
    })
    void aScanReportsThePinsAfterAndThePinsCleared(String sql, String after, String cleared) {
        ByteBuf query = io.pooler.protocol.PgFrames.simpleQuery(io.netty.buffer.UnpooledByteBufAllocator.DEFAULT, sql);
        try {
            long scan = SessionStateScanner.scanMessage(tracked, SessionPin.LISTEN.bit(), query);
            assertEquals(after == null ? "" : after, SessionPin.labels(SessionStateScanner.pinsOf(scan)));
            assertEquals(cleared == null ? "" : cleared, SessionPin.labels(SessionStateScanner.clearedOf(scan)));
            assertEquals(SessionStateScanner.pinsOf(scan), SessionStateScanner.applyMessage(tracked, SessionPin.LISTEN.bit(), query));
        } finally {
            query.release();
        }
    }

    @Test
    void brokenTextNeverThrows() {
        for (String sql : List.of("", ";;;", "SET", "SET SESSION", "CREATE TEMP", "DECLARE", "select '",
                "select $a$ unterminated", "select /* unterminated", "select \"", "select E'\\", "((((;",
                "))));select pg_advisory_lock(", "SET x.", "select $1 $ $$")) {
            pins(sql);
        }
    }
}
