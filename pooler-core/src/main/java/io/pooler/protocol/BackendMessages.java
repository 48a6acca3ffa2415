package io.pooler.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.List;

/** Small backend messages the pooler writes to clients itself. */
public final class BackendMessages {
    public static final byte TX_IDLE = 'I';
    public static final byte TX_IN_TRANSACTION = 'T';
    public static final byte TX_FAILED = 'E';

    private BackendMessages() {
    }

    public static ByteBuf parameterStatus(ByteBufAllocator alloc, String name, String value) {
        ByteBuf out = alloc.buffer(name.length() + value.length() + 8);
        int start = PgFrames.beginMessage(out, MessageType.PARAMETER_STATUS);
        PgFrames.writeCString(out, name);
        PgFrames.writeCString(out, value);
        PgFrames.endMessage(out, start);
        return out;
    }

    public static ByteBuf backendKeyData(ByteBufAllocator alloc, int processId, int secretKey) {
        ByteBuf out = alloc.buffer(13);
        out.writeByte(MessageType.BACKEND_KEY_DATA);
        out.writeInt(12);
        out.writeInt(processId);
        out.writeInt(secretKey);
        return out;
    }

    public static ByteBuf readyForQuery(ByteBufAllocator alloc, byte transactionStatus) {
        ByteBuf out = alloc.buffer(6);
        out.writeByte(MessageType.READY_FOR_QUERY);
        out.writeInt(5);
        out.writeByte(transactionStatus);
        return out;
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
