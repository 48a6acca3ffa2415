package io.pooler.sql;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.nio.charset.StandardCharsets;
import java.util.function.Function;

/** Query frames for the tests of the commands the pooler answers itself, malformed ones included. */
final class QueryFrames {
    private QueryFrames() {
    }

    /**
     * {@code read} applied to a Query frame around {@code body} as given (its NUL, if any, written by
     * the caller); the frame is released afterwards.
     */
    static <T> T withQuery(String body, Function<ByteBuf, T> read) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ByteBuf frame = Unpooled.buffer().writeByte('Q').writeInt(4 + bytes.length).writeBytes(bytes);
        try {
            return read.apply(frame);
        } finally {
            frame.release();
        }
    }
}
