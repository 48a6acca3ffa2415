package io.pooler.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
    void welcomeIsEachParameterThenBackendKeyDataThenReadyForQuery() {
        Map<String, String> server = new LinkedHashMap<>();
        server.put("TimeZone", "UTC");
        server.put("application_name", "");
        assertHex("530000001154696d655a6f6e6500555443" + "00"          // S TimeZone=UTC (the server's)
                        + "530000001a6170706c69636174696f6e5f6e616d6500" + "6f646f6f00" // S application_name=odoo (the client's)
                        + "4b0000000c000004d2ffffff9d"                 // K 1234, -99
                        + "5a0000000549",                              // Z I
                BackendMessages.welcome(alloc, server, Map.of("application_name", "odoo"), 1234, -99, null));
    }

    @Test
    void welcomeCarriesTheNoticeBeforeReadyForQuery() {
        ByteBuf welcome = BackendMessages.welcome(alloc, Map.of(), Map.of(), 1, 2,
                ErrorResponse.of("NOTICE", "00000", "hi"));
        try {
            assertEquals('K', welcome.getByte(0));
            assertEquals(MessageType.NOTICE_RESPONSE, welcome.getByte(13));
            assertEquals('Z', welcome.getByte(welcome.writerIndex() - 6));
            ErrorResponse notice = ErrorResponse.parseBody(welcome.slice(13 + PgFrames.HEADER_LENGTH,
                    welcome.getInt(14) - 4));
            assertEquals("hi", notice.message());
        } finally {
            welcome.release();
        }
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
