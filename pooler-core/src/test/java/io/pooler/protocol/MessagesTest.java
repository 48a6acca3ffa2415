package io.pooler.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The messages the pooler writes itself, byte for byte as PostgreSQL writes them. */
class MessagesTest {
    private final ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;

    @Test
    void readyForQueryIdle() {
        assertHex("5a0000000549", BackendMessages.readyForQuery(alloc, BackendMessages.TX_IDLE));
    }

    @Test
    void authenticationSaslListsMechanisms() {
        // 'R', length 23, code 10, "SCRAM-SHA-256\0", "\0"
        assertHex("5200000017" + "0000000a" + "534352414d2d5348412d32353600" + "00",
                Authentication.sasl(alloc, List.of("SCRAM-SHA-256")));
    }

    @Test
    void errorResponseRoundTrips() {
        ByteBuf encoded = ErrorResponse.fatal(SqlState.TOO_MANY_CONNECTIONS, "no more connections allowed (max_client_conn)").encode(alloc);
        try {
            assertEquals(MessageType.ERROR_RESPONSE, PgFrames.type(encoded));
            assertEquals(encoded.readableBytes() - 1, encoded.getInt(1));
            ErrorResponse parsed = ErrorResponse.parseBody(PgFrames.body(encoded));
            assertEquals("53300", parsed.sqlState());
            assertTrue(parsed.isFatal());
            assertEquals("no more connections allowed (max_client_conn)", parsed.message());
        } finally {
            encoded.release();
        }
    }

    @Test
    void backendKeyData() {
        assertHex("4b0000000c000004d2ffffff9d", BackendMessages.backendKeyData(alloc, 1234, -99));
    }

    @Test
    void parameterStatus() {
        assertHex("530000001454696d655a6f6e65004575726f706500",
                BackendMessages.parameterStatus(alloc, "TimeZone", "Europe"));
    }

    private static void assertHex(String hex, ByteBuf buf) {
        try {
            assertEquals(hex, ByteBufUtil.hexDump(buf));
        } finally {
            buf.release();
        }
    }
}
