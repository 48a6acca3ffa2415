package io.pooler.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UnnamedStatementTest {
    private final List<ByteBuf> made = new ArrayList<>();

    @AfterEach
    void release() {
        made.forEach(ByteBuf::release);
    }

    private ByteBuf frame(char type, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.ISO_8859_1);
        ByteBuf frame = Unpooled.buffer().writeByte(type).writeInt(bytes.length + 4).writeBytes(bytes);
        made.add(frame);
        return frame;
    }

    @Test
    void aParseOfTheEmptyNameCreatesIt() {
        assertTrue(UnnamedStatement.createdBy(frame('P', "\0select 1\0\0\0")));
        assertFalse(UnnamedStatement.createdBy(frame('P', "s1\0select 1\0\0\0")));
        assertFalse(UnnamedStatement.createdBy(frame('B', "\0\0\0\0\0\0\0\0")));
    }

    @Test
    void aBindFromItOrADescribeOfItUsesIt() {
        assertTrue(UnnamedStatement.usedBy(frame('B', "\0\0\0\0\0\0\0\0"), true), "unnamed portal, unnamed statement");
        assertTrue(UnnamedStatement.usedBy(frame('B', "C_3\0\0\0\0\0\0\0\0"), true), "named portal, unnamed statement");
        assertFalse(UnnamedStatement.usedBy(frame('B', "\0S_1\0\0\0\0\0\0\0"), true), "a named statement");
        assertTrue(UnnamedStatement.usedBy(frame('D', "S\0"), true));
        assertFalse(UnnamedStatement.usedBy(frame('D', "P\0"), true), "a portal");
        assertFalse(UnnamedStatement.usedBy(frame('D', "SS_1\0"), true));
        assertFalse(UnnamedStatement.usedBy(frame('E', "\0\0\0\0\0"), true));
    }

    @Test
    void aStreamedFirstPieceTooShortToTellCountsAsUsingIt() {
        ByteBuf longPortal = Unpooled.buffer().writeByte('B').writeInt(100_000).writeBytes(new byte[200]).writerIndex(5 + 200);
        made.add(longPortal);
        longPortal.setBytes(5, "x".repeat(200).getBytes(StandardCharsets.US_ASCII));
        assertTrue(UnnamedStatement.usedBy(longPortal, false), "the portal name runs past the piece");
        assertFalse(UnnamedStatement.usedBy(frame('B', "p".repeat(50)), true), "whole and malformed: PostgreSQL refuses it");
    }
}
