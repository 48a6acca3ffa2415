package io.pooler.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;

import java.util.List;

/**
 * Splits the byte stream into whole protocol messages without decoding their bodies.
 *
 * <p>Typed messages come out as retained slices holding header and body, ready to be relayed as they
 * are. A client connection starts in the untyped phase, where it emits {@link StartupPacket}s; it
 * switches to typed messages after a StartupMessage (SSLRequest and GSSENCRequest keep it untyped,
 * because the real startup packet follows them).
 *
 * <p>A length is checked against the limit before a byte of the body is kept, so an oversized or
 * malformed message costs nothing but the error. After an error every further byte is discarded: the
 * handler answers with an ErrorResponse and closes.
 */
public final class PgFrameDecoder extends ByteToMessageDecoder {
    private boolean untypedPhase;
    private int maxMessageLength;
    private boolean failed;

    private PgFrameDecoder(boolean untypedPhase, int maxMessageLength) {
        this.untypedPhase = untypedPhase;
        this.maxMessageLength = maxMessageLength;
    }

    /** For a client connection: startup packets first, then typed messages up to {@code maxMessageLength}. */
    public static PgFrameDecoder forClient(int maxMessageLength) {
        return new PgFrameDecoder(true, maxMessageLength);
    }

    /** For a server connection: typed messages only. */
    public static PgFrameDecoder forServer(int maxMessageLength) {
        return new PgFrameDecoder(false, maxMessageLength);
    }

    /**
     * The largest typed message accepted, counted as the length field counts (body plus four).
     * Lowered during authentication, raised to {@code max_packet_size} afterwards.
     */
    public void setMaxMessageLength(int maxMessageLength) {
        this.maxMessageLength = maxMessageLength;
    }

    /**
     * True when bytes the client sent are waiting here undecoded. Right after an SSLRequest there must be
     * none: the client has to wait for the answer, and bytes it sent before the TLS handshake must not be
     * taken as coming through TLS.
     */
    public boolean hasBufferedInput() {
        return actualReadableBytes() > 0;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        try {
            if (untypedPhase) {
                decodeStartup(in, out);
            } else {
                decodeTyped(in, out);
            }
        } catch (ProtocolException e) {
            failed = true;
            in.skipBytes(in.readableBytes());
            throw e;
        }
    }

    private void decodeStartup(ByteBuf in, List<Object> out) {
        if (in.readableBytes() < 4) {
            return;
        }
        int length = in.getInt(in.readerIndex());
        if (length < 8 || length > StartupPacket.MAX_LENGTH) {
            throw new ProtocolException("invalid length of startup packet");
        }
        if (in.readableBytes() < length) {
            return;
        }
        StartupPacket packet = StartupPacket.parse(in.readSlice(length));
        if (packet.kind() == StartupPacket.Kind.STARTUP) {
            untypedPhase = false;
        }
        out.add(packet);
    }

    private void decodeTyped(ByteBuf in, List<Object> out) {
        if (in.readableBytes() < PgFrames.HEADER_LENGTH) {
            return;
        }
        int start = in.readerIndex();
        int length = in.getInt(start + 1);
        if (length < 4) {
            throw new ProtocolException("invalid message length " + length);
        }
        if (length > maxMessageLength) {
            throw new ProtocolException("message too long: " + length + " bytes exceeds the limit of "
                    + maxMessageLength);
        }
        if (in.readableBytes() < length + 1) {
            return;
        }
        out.add(in.readRetainedSlice(length + 1));
    }
}
