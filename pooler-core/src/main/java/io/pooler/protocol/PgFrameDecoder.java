package io.pooler.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;

import java.util.List;

/**
 * Splits the byte stream into protocol messages without decoding their bodies.
 *
 * <p>Typed messages come out as retained slices holding header and body, ready to be relayed as they
 * are. A client connection starts in the untyped phase, where it emits {@link StartupPacket}s; it
 * switches to typed messages after a StartupMessage (SSLRequest and GSSENCRequest keep it untyped,
 * because the real startup packet follows them). After {@link #emitRuns} (a server's, once logged in),
 * a slice holds all the whole messages at hand, back to back.
 *
 * <p>Streaming: a message longer than {@link #STREAM_THRESHOLD} whose type the {@link StreamPolicy}
 * lets through unparsed is not accumulated; it comes out as {@link FramePart}s, the first as soon as
 * its header has arrived and one more per read, so a peer cannot make the pooler hold more than a read's
 * worth of it. Every other message is accumulated whole and capped by the whole-message limit (the
 * parsing cap, {@code max_parsed_message_size}); every message is capped by {@code max_packet_size}.
 *
 * <p>A length is checked against its limit before a byte of the body is kept, so an oversized or
 * malformed message costs nothing but the error. After an error every further byte is discarded: the
 * handler answers with an ErrorResponse and closes. Ownership of what comes out: see the package comment.
 */
public class PgFrameDecoder extends ByteToMessageDecoder {
    /** Longer messages of a streamable type are forwarded as they arrive; shorter ones come out whole. */
    public static final int STREAM_THRESHOLD = 64 * 1024;

    /** Which message types may pass through unparsed, and so be streamed. */
    @FunctionalInterface
    public interface StreamPolicy {
        StreamPolicy NONE = type -> false;

        boolean streamable(byte type);
    }

    /** A cap per message type on top of the others (PostgreSQL's own limits for a client's messages). */
    @FunctionalInterface
    public interface TypeLimit {
        TypeLimit NONE = type -> Integer.MAX_VALUE;

        int maxLength(byte type);
    }

    private boolean untypedPhase;
    private int maxMessageLength;
    private int maxWholeLength;
    private StreamPolicy streamPolicy = StreamPolicy.NONE;
    private TypeLimit typeLimit = TypeLimit.NONE;
    private boolean failed;
    /** Bytes of the streamed message still to come; 0 when none is under way. */
    private long streamRemaining;
    private byte streamType;
    /** See {@link #emitRuns}. */
    private boolean runs;

    /**
     * For a subclass that is its channel's one handler (a client's), taking what {@link #decode} puts in
     * {@code out} itself rather than handing it to a handler of its own behind; see {@link #forClient}
     * for {@code untypedPhase}.
     */
    protected PgFrameDecoder(boolean untypedPhase, int maxMessageLength) {
        this.untypedPhase = untypedPhase;
        this.maxMessageLength = maxMessageLength;
        this.maxWholeLength = maxMessageLength;
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
     * The largest typed message accepted, counted as the length field counts (body plus four), with
     * nothing streamed: every message comes out whole. Used during authentication.
     */
    public void setMaxMessageLength(int maxMessageLength) {
        this.maxMessageLength = maxMessageLength;
        this.maxWholeLength = maxMessageLength;
        this.streamPolicy = StreamPolicy.NONE;
        this.typeLimit = TypeLimit.NONE;
    }

    /**
     * After login: messages up to {@code maxMessageLength} (max_packet_size); those of a type
     * {@code policy} lets through are streamed when long, the others come out whole up to
     * {@code maxWholeLength}.
     */
    public void setLimits(int maxMessageLength, int maxWholeLength, StreamPolicy policy, TypeLimit typeLimit) {
        this.maxMessageLength = maxMessageLength;
        this.maxWholeLength = Math.min(maxMessageLength, maxWholeLength);
        this.streamPolicy = policy;
        this.typeLimit = typeLimit;
    }

    /**
     * From now on, whole messages that arrived back to back come out together: each {@code ByteBuf} out
     * holds one or more whole messages, as many as the bytes at hand hold, each of which would have come
     * out alone before (a message to be streamed, or one that breaks a limit, still comes out as before,
     * after the run in front of it). For a relay that writes what it passes on unchanged as one buffer
     * (a server's, after its login): one slice, one write and one release for a whole reply, where each
     * message would cost its own.
     */
    public void emitRuns() {
        this.runs = true;
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
            if (streamRemaining > 0) {
                continueStream(in, out);
            } else if (untypedPhase) {
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
        if (runs) {
            int run = wholeRunLength(in);
            if (run > 0) {
                out.add(in.readRetainedSlice(run));
                return;
            }
        }
        int start = in.readerIndex();
        byte type = in.getByte(start);
        int length = in.getInt(start + 1);
        if (length < 4) {
            throw new ProtocolException("invalid message length " + length);
        }
        if (length > maxMessageLength) {
            throw tooLong(length, maxMessageLength);
        }
        int typeMax = typeLimit.maxLength(type);
        if (length > typeMax) {
            throw tooLong(length, typeMax);
        }
        long total = length + 1L; // NOTE: a long, so 0x7FFFFFFF cannot overflow
        boolean stream = total > STREAM_THRESHOLD && streamPolicy.streamable(type);
        if (!stream && length > maxWholeLength) {
            throw tooLong(length, maxWholeLength);
        }
        if (in.readableBytes() >= total) {
            out.add(in.readRetainedSlice((int) total));
        } else if (stream) {
            int available = in.readableBytes();
            streamType = type;
            streamRemaining = total - available;
            out.add(new FramePart(type, true, false, in.readRetainedSlice(available)));
        }
    }

    /**
     * The bytes from the reader index on that are whole messages within every limit, none of them long
     * enough to be streamed: what {@link #decodeTyped} would emit one by one. 0 when the first is not such
     * a message, which then takes the one-message path (to wait, stream or fail).
     */
    private int wholeRunLength(ByteBuf in) {
        int start = in.readerIndex();
        int end = in.writerIndex();
        int at = start;
        while (end - at >= PgFrames.HEADER_LENGTH) {
            byte type = in.getByte(at);
            int length = in.getInt(at + 1);
            long total = length + 1L;
            if (length < 4 || length > maxWholeLength || length > typeLimit.maxLength(type)
                    || total > STREAM_THRESHOLD || total > end - at) {
                break;
            }
            at += (int) total;
        }
        return at - start;
    }

    private void continueStream(ByteBuf in, List<Object> out) {
        int n = (int) Math.min(in.readableBytes(), streamRemaining);
        if (n == 0) {
            return;
        }
        streamRemaining -= n;
        out.add(new FramePart(streamType, false, streamRemaining == 0, in.readRetainedSlice(n)));
    }

    private static ProtocolException tooLong(int length, int limit) {
        return new ProtocolException("message too long: " + length + " bytes exceeds the limit of " + limit);
    }
}
