package io.pooler.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;

/**
 * A piece of a long message that is streamed rather than accumulated: the first piece starts with the
 * message's type byte and length, the following ones carry the rest of its body as it arrives. Written
 * one after another, the pieces are the message's exact bytes.
 *
 * <p>Ownership as for a whole frame (see the package comment): the handler that receives a part owns
 * it; forwarding {@link #content()} hands the reference over, releasing the part releases the content.
 */
public final class FramePart extends DefaultByteBufHolder {
    private final byte type;
    private final boolean first;
    private final boolean last;

    public FramePart(byte type, boolean first, boolean last, ByteBuf bytes) {
        super(bytes);
        this.type = type;
        this.first = first;
        this.last = last;
    }

    /** The message's type byte (also on pieces after the first, which do not contain it). */
    public byte type() {
        return type;
    }

    /** True for the piece that holds the message's header. */
    public boolean first() {
        return first;
    }

    /** True for the piece that ends the message. */
    public boolean last() {
        return last;
    }

    /**
     * The bytes of a decoded message, which is either a whole frame or a part of a streamed one. The
     * reference stays the message's: forwarding the result hands it over, as forwarding the message would.
     */
    public static ByteBuf bytesOf(Object message) {
        return message instanceof FramePart part ? part.content() : (ByteBuf) message;
    }

    @Override
    public String toString() {
        return "FramePart('" + (char) type + "', first=" + first + ", last=" + last + ", " + content().readableBytes() + " bytes)";
    }
}
