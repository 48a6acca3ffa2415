package io.pooler.protocol.prepared;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.pooler.protocol.MessageType;
import io.pooler.protocol.PgFrames;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/** One distinct statement, with the server-side name every server knows it by. */
public final class PreparedStatement {
    private final long id;
    private final StatementKey key;
    /** Some server has parsed it successfully, so its text is known to be valid SQL. */
    private volatile boolean validated;
    /**
     * How many server caches hold it ({@link ServerStatements}): its bytes count in their budget once,
     * from the first to the last, as one copy of the text is kept however many servers prepared it.
     * Servers on all loops: atomic.
     */
    private final AtomicInteger serverCopies = new AtomicInteger();
    /**
     * Which plan of it servers may use: a server's copy prepared under an earlier number is out of date
     * (a schema change since made PostgreSQL refuse it, {@link ServerStatements#planOutdated}) and is
     * prepared again before its next use. Servers on all loops: atomic.
     */
    private final AtomicInteger planEpoch = new AtomicInteger();

    PreparedStatement(long id, StatementKey key) {
        this.id = id;
        this.key = key;
    }

    public long id() {
        return id;
    }

    public StatementKey key() {
        return key;
    }

    public boolean validated() {
        return validated;
    }

    void markValidated() {
        validated = true;
    }

    /** The number a server's copy must have been prepared under to be used ({@link #planEpoch}). */
    int planEpoch() {
        return planEpoch.get();
    }

    /**
     * A server's copy prepared under {@code epoch} was refused as out of date: copies prepared under it or
     * before are prepared again. Once per epoch, however many servers report theirs.
     */
    void planOutdated(int epoch) {
        planEpoch.compareAndSet(epoch, epoch + 1);
    }

    /** The bytes of its definition (text and parameter types), as the budgets count them. */
    public int length() {
        return key.definition().length;
    }

    /** One more server cache holds it; true for the first. */
    boolean serverCopyAdded() {
        return serverCopies.getAndIncrement() == 0;
    }

    /** A server cache let go of it; true for the last. */
    boolean serverCopyRemoved() {
        return serverCopies.decrementAndGet() == 0;
    }

    public String serverName() {
        return StatementRegistry.NAME_PREFIX + id;
    }

    /** A Parse message that prepares this statement under its server-side name. */
    public ByteBuf parseMessage(ByteBufAllocator alloc) {
        byte[] name = serverName().getBytes(StandardCharsets.US_ASCII);
        byte[] definition = key.definition();
        ByteBuf out = alloc.buffer(PgFrames.HEADER_LENGTH + name.length + 1 + definition.length);
        int start = PgFrames.beginMessage(out, MessageType.PARSE);
        out.writeBytes(name).writeByte(0).writeBytes(definition);
        PgFrames.endMessage(out, start);
        return out;
    }

    /** Close ('S') of this statement on a server, when the server's cache evicts it. */
    public ByteBuf closeMessage(ByteBufAllocator alloc) {
        return closeMessage(alloc, serverName());
    }

    /** Close ('S') of the statement a server holds under {@code serverName} (ASCII). */
    static ByteBuf closeMessage(ByteBufAllocator alloc, String serverName) {
        ByteBuf out = alloc.buffer(32);
        int start = PgFrames.beginMessage(out, MessageType.CLOSE);
        out.writeByte('S');
        PgFrames.writeCString(out, serverName);
        PgFrames.endMessage(out, start);
        return out;
    }

    @Override
    public String toString() {
        return serverName();
    }
}
