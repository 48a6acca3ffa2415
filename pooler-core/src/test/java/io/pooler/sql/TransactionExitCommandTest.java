package io.pooler.sql;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TransactionExitCommandTest {
    private static boolean mayEnd(String sql) {
        ByteBuf text = Unpooled.copiedBuffer(sql, StandardCharsets.UTF_8);
        try {
            return TransactionExitCommand.mayEndTransaction(text, text.readerIndex(), text.writerIndex());
        } finally {
            text.release();
        }
    }

    @Test
    void whatPostgresRunsInAFailedBlockMayEndIt() {
        assertTrue(mayEnd("ROLLBACK"));
        assertTrue(mayEnd("commit"));
        assertTrue(mayEnd("  End;"));
        assertTrue(mayEnd("/* driver */ abort"));
        assertTrue(mayEnd("-- x\nROLLBACK TO SAVEPOINT s"));
        assertTrue(mayEnd("PREPARE TRANSACTION 'x'"));
        assertTrue(mayEnd(""), "an empty text holds no statement to refuse");
        assertTrue(mayEnd("(select 1)"), "a symbol first: not told, so \"may\"");
        assertTrue(mayEnd(";rollback"));
    }

    @Test
    void aStatementThatStartsWithAnotherWordDoesNot() {
        assertFalse(mayEnd("select 1"));
        assertFalse(mayEnd("  INSERT INTO t VALUES ($1)"));
        assertFalse(mayEnd("/* rollback */ select 1"));
        assertFalse(mayEnd("WITH x AS (select 1) select * from x"));
        assertFalse(mayEnd("rollbacks"), "a longer word");
        assertFalse(mayEnd("BEGIN"));
        assertFalse(mayEnd("SAVEPOINT s"));
    }
}
