package io.pooler.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.List;
import java.util.Map;

/** Small backend messages the pooler writes to clients itself. */
public final class BackendMessages {
    public static final byte TX_IDLE = 'I';
    public static final byte TX_IN_TRANSACTION = 'T';
    public static final byte TX_FAILED = 'E';

    private static final int BACKEND_KEY_DATA_LENGTH = 13;
    private static final int READY_FOR_QUERY_LENGTH = 6;

    private BackendMessages() {
    }

    public static ByteBuf parameterStatus(ByteBufAllocator alloc, String name, String value) {
        ByteBuf out = alloc.buffer(parameterStatusLength(name, value));
        writeParameterStatus(out, name, value);
        return out;
    }

    public static ByteBuf readyForQuery(ByteBufAllocator alloc, byte transactionStatus) {
        ByteBuf out = alloc.buffer(READY_FOR_QUERY_LENGTH);
        writeReadyForQuery(out, transactionStatus);
        return out;
    }

    /**
     * The end of a login as one buffer: a ParameterStatus per parameter ({@code overrides}' value where it
     * has one, else {@code parameters}'), BackendKeyData, the {@code notice} if not null, ReadyForQuery
     * 'I'. One buffer, written and flushed once, as PgBouncer sends its welcome: a buffer per message cost
     * an allocation and a pipeline pass each, a dozen or more per login.
     */
    public static ByteBuf welcome(ByteBufAllocator alloc, Map<String, String> parameters, Map<String, String> overrides,
                                  int processId, int secretKey, ErrorResponse notice) {
        int length = BACKEND_KEY_DATA_LENGTH + READY_FOR_QUERY_LENGTH;
        for (Map.Entry<String, String> p : parameters.entrySet()) {
            length += parameterStatusLength(p.getKey(), overrides.getOrDefault(p.getKey(), p.getValue()));
        }
        ByteBuf out = alloc.buffer(length); // grows past the estimate only for non-ASCII values
        try {
            parameters.forEach((name, value) -> writeParameterStatus(out, name, overrides.getOrDefault(name, value)));
            out.writeByte(MessageType.BACKEND_KEY_DATA);
            out.writeInt(BACKEND_KEY_DATA_LENGTH - 1);
            out.writeInt(processId);
            out.writeInt(secretKey);
            if (notice != null) {
                notice.writeAsNotice(out);
            }
            writeReadyForQuery(out, TX_IDLE);
            return out;
        } catch (RuntimeException e) {
            out.release();
            throw e;
        }
    }

    private static int parameterStatusLength(String name, String value) {
        return PgFrames.HEADER_LENGTH + name.length() + value.length() + 2;
    }

    private static void writeParameterStatus(ByteBuf out, String name, String value) {
        int start = PgFrames.beginMessage(out, MessageType.PARAMETER_STATUS);
        PgFrames.writeCString(out, name);
        PgFrames.writeCString(out, value);
        PgFrames.endMessage(out, start);
    }

    private static void writeReadyForQuery(ByteBuf out, byte transactionStatus) {
        out.writeByte(MessageType.READY_FOR_QUERY);
        out.writeInt(READY_FOR_QUERY_LENGTH - 1);
        out.writeByte(transactionStatus);
    }

    /** CommandComplete with its tag, for a statement the pooler answers itself (LISTEN, UNLISTEN). */
    public static ByteBuf commandComplete(ByteBufAllocator alloc, String tag) {
        ByteBuf out = alloc.buffer(tag.length() + 6);
        int start = PgFrames.beginMessage(out, MessageType.COMMAND_COMPLETE);
        PgFrames.writeCString(out, tag);
        PgFrames.endMessage(out, start);
        return out;
    }

    /** NegotiateProtocolVersion: the newest minor version we speak and the options we did not recognise. */
    public static ByteBuf negotiateProtocolVersion(ByteBufAllocator alloc, int newestMinor, List<String> unrecognized) {
        ByteBuf out = alloc.buffer(32);
        int start = PgFrames.beginMessage(out, MessageType.NEGOTIATE_PROTOCOL_VERSION);
        out.writeInt((3 << 16) | newestMinor);
        out.writeInt(unrecognized.size());
        unrecognized.forEach(o -> PgFrames.writeCString(out, o));
        PgFrames.endMessage(out, start);
        return out;
    }

    /** The transaction status byte of a ReadyForQuery frame. */
    public static byte transactionStatus(ByteBuf readyForQueryFrame) {
        return readyForQueryFrame.getByte(readyForQueryFrame.readerIndex() + PgFrames.HEADER_LENGTH);
    }
}
