package io.pooler.server.dns;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Reading the serial out of SOA data, with plain and compressed names, and refusing short data. */
class ZoneCheckerTest {

    private static ByteBuf names(ByteBuf buf, String... labels) {
        for (String label : labels) {
            buf.writeByte(label.length());
            buf.writeCharSequence(label, StandardCharsets.US_ASCII);
        }
        return buf;
    }

    @Test
    void readsTheSerialAfterTwoPlainNames() {
        ByteBuf rdata = names(Unpooled.buffer(), "ns1", "example", "com", "", "hostmaster", "example", "com", "");
        rdata.writeInt(2024120301).writeInt(1).writeInt(2).writeInt(3).writeInt(4);
        try {
            assertEquals(2024120301L, ZoneChecker.soaSerial(rdata));
        } finally {
            rdata.release();
        }
    }

    @Test
    void readsTheSerialAfterCompressedNamesAndAnUnsignedOne() {
        ByteBuf rdata = names(Unpooled.buffer(), "ns1");
        rdata.writeShort(0xC00C); // pointer: ends the name
        rdata.writeShort(0xC02A);
        rdata.writeInt(0xFFFF_FFFE);
        try {
            assertEquals(0xFFFF_FFFEL, ZoneChecker.soaSerial(rdata));
        } finally {
            rdata.release();
        }
    }

    @Test
    void shortDataHasNoSerial() {
        ByteBuf truncated = names(Unpooled.buffer(), "ns1", "", "host");
        ByteBuf noSerial = names(Unpooled.buffer(), "a", "", "b", "");
        noSerial.writeShort(1);
        try {
            assertNull(ZoneChecker.soaSerial(truncated));
            assertNull(ZoneChecker.soaSerial(noSerial));
        } finally {
            truncated.release();
            noSerial.release();
        }
    }
}
