package io.pooler.protocol;

import io.netty.buffer.ByteBuf;

/**
 * Checks the server messages the pooler parses before anything acts on them, so a malformed one is a
 * {@link ProtocolException} while its owner still holds it (the package's "validate, then consume"
 * rule), never an IndexOutOfBoundsException half-way through relaying it.
 */
public final class BackendMessageCheck {
    private BackendMessageCheck() {
    }

    /** Throws {@link ProtocolException} unless {@code frame} (a whole message) is well formed where it matters. */
    public static void check(ByteBuf frame) {
        check(frame, frame.readerIndex(), frame.readableBytes());
    }

    /** {@link #check(ByteBuf)} for the message at {@code at} in {@code messages}, {@code total} bytes with its header. */
    public static void check(ByteBuf messages, int at, int total) {
        int bodyLength = total - PgFrames.HEADER_LENGTH;
        switch (messages.getByte(at)) {
            case MessageType.READY_FOR_QUERY -> {
                byte status = bodyLength == 1 ? messages.getByte(at + PgFrames.HEADER_LENGTH) : 0;
                if (status != BackendMessages.TX_IDLE && status != 'T' && status != 'E') {
                    throw new ProtocolException("invalid ReadyForQuery message from server");
                }
            }
            case MessageType.BACKEND_KEY_DATA -> {
                if (bodyLength < 8) {
                    throw new ProtocolException("invalid BackendKeyData message from server");
                }
            }
            case MessageType.PARAMETER_STATUS -> {
                ByteBuf body = messages.slice(at + PgFrames.HEADER_LENGTH, bodyLength);
                PgFrames.readCString(body);
                PgFrames.readCString(body);
            }
            case MessageType.ERROR_RESPONSE -> {
                // Relayed to a client, an error must carry the SQLSTATE drivers decide on.
                if (!ErrorResponse.parseBody(messages.slice(at + PgFrames.HEADER_LENGTH, bodyLength)).hasSqlState()) {
                    throw new ProtocolException("ErrorResponse without a SQLSTATE from server");
                }
            }
            default -> {
            }
        }
    }
}
