package io.pooler.server.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.ChannelOutputShutdownException;
import io.netty.handler.codec.DecoderException;
import io.netty.util.ReferenceCountUtil;
import io.pooler.protocol.FramePart;
import io.pooler.protocol.PgFrameDecoder;
import io.pooler.protocol.ProtocolException;
import io.pooler.protocol.StartupPacket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.List;

/**
 * The one handler of a client connection: its frame decoder, and what takes the decoded messages to
 * its {@link ClientConnection}. Before login the untyped packets go to the {@link ClientStartup} stage,
 * dropped at the StartupMessage; while the pooler is suspended, messages wait in a
 * {@link SuspendGate}. Both are objects of their own rather than handlers in the pipeline, and exist
 * only while needed.
 *
 * <p>NOTE: one handler rather than a decoder and a handler behind it, because each handler in a
 * pipeline costs a context (64 bytes) on every connection, idle or not. {@link #decode} hands each
 * message on as soon as the decoder has made it, which is what the decoder's own loop would do.
 *
 * <p>It is also the listener of its channel's close future, so the client's slots are given back
 * even when an exception in the pipeline kept channelInactive from reaching it.
 *
 * <p>Threads: the channel's event loop.
 */
final class ClientHandler extends PgFrameDecoder implements ChannelFutureListener, SuspendGate.Receiver {
    private static final Logger log = LoggerFactory.getLogger(ClientHandler.class);

    private final ClientChannels clients;
    private ClientConnection connection;
    /** The stage before the StartupMessage; null after it. */
    private ClientStartup startup;
    /** What the client sent while the pooler was suspended; null unless something is held. */
    private SuspendGate gate;
    /** The client asked for the admin console's database: never held by SUSPEND. */
    private boolean console;
    /** {@link #PASS_NONE}, or what goes on down the pipeline instead of to the session (a replication client). */
    private byte passOn = PASS_NONE;
    private static final byte PASS_NONE = 0;
    private static final byte PASS_DECODED = 1;
    private static final byte PASS_BYTES = 2;
    /** Its neighbours in its loop's list of clients ({@link ClientChannels}); that loop only. */
    ClientHandler prevClient;
    ClientHandler nextClient;

    ClientHandler(ClientChannels clients, int maxMessageLength) {
        super(true, maxMessageLength); // a client's: startup packets first
        this.clients = clients;
    }

    EventLoop eventLoop() {
        return connection.eventLoop();
    }

    /** Shutdown WAIT_FOR_SERVERS: the client goes as soon as it has no transaction running. */
    void shutdownRequested() {
        connection.shutdownRequested();
    }

    void close() {
        connection.channel().close();
    }

    boolean isChannelOpen() {
        return connection.channel().isOpen();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        connection = new ClientConnection(clients.services(), ctx.channel());
        startup = new ClientStartup(clients.services(), clients.login(), this, connection);
        clients.added(this);
        ctx.channel().closeFuture().addListener(this);
        connection.onActive();
        ctx.fireChannelActive();
    }

    /**
     * Decodes, then hands each message on at once. NOTE: each leaves {@code out} before it is handed
     * on, so should handing one on throw, the decoder passes only those not yet handed on down the
     * pipeline (where they are released), never one twice.
     */
    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (passOn == PASS_BYTES) {
            ctx.fireChannelRead(in.readRetainedSlice(in.readableBytes()));
            return;
        }
        super.decode(ctx, in, out);
        while (!out.isEmpty()) {
            Object msg = out.remove(0);
            if (passOn == PASS_DECODED) {
                ctx.fireChannelRead(msg);
            } else {
                onDecoded(ctx, msg);
            }
        }
    }

    /**
     * A replication client between its password exchange and its welcome: decoded messages go on down
     * the pipeline (to the handler that refuses them) instead of to the session. On the channel's loop.
     */
    void passDecodedOn() {
        passOn = PASS_DECODED;
    }

    /**
     * A replication client once its server is linked: bytes go on down the pipeline as they came, those
     * not yet decoded first; this handler still hears of reads ending, writability, errors and the close.
     * On the channel's loop.
     */
    void passBytesOn(ChannelHandlerContext ctx) {
        passOn = PASS_BYTES;
        if (actualReadableBytes() > 0) {
            ByteBuf held = internalBuffer();
            ctx.fireChannelRead(held.readRetainedSlice(held.readableBytes()));
            ctx.fireChannelReadComplete();
        }
    }

    /**
     * One decoded message. NOTE: from the call to {@code onMessage} on, the connection owns the frame
     * and deals with every error itself; nothing here releases it again (see the ownership rule in
     * {@code io.pooler.protocol}).
     */
    private void onDecoded(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof StartupPacket packet) {
            onStartupPacket(ctx, packet);
            return;
        }
        Suspension suspension = clients.services().suspension();
        if (!console && (gate != null || suspension.isSuspended())) {
            if (gate == null) {
                gate = SuspendGate.open(suspension, ctx.channel(), this);
            }
            gate.hold(msg);
            return;
        }
        releasedMessage(msg);
    }

    private void onStartupPacket(ChannelHandlerContext ctx, StartupPacket packet) {
        ClientStartup stage = startup;
        if (stage == null) {
            return; // the decoder emits none after the StartupMessage; after a CancelRequest, all are dropped
        }
        if (packet.kind() == StartupPacket.Kind.CANCEL_REQUEST) {
            startup = null; // one cancel per connection, as PostgreSQL reads one; held open until it is done
        } else if (packet.kind() == StartupPacket.Kind.STARTUP) {
            String database = packet.parameters().getOrDefault("database", packet.parameters().get("user"));
            console = Console.DATABASE.equals(database);
            startup = null; // before admission: what follows in this read burst goes to the session
        }
        stage.onPacket(ctx.channel(), packet);
    }

    @Override
    public void releasedMessage(Object msg) {
        if (msg instanceof ByteBuf || msg instanceof FramePart) {
            connection.onMessage(msg);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void releasedAll() {
        gate = null;
        connection.onReadComplete();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        super.channelReadComplete(ctx); // the decoder's end of a read (and on to the pipeline's tail)
        if (gate == null) {
            connection.onReadComplete();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        connection.onWritabilityChanged();
        ctx.fireChannelWritabilityChanged(); // a replication client's byte relay behind this one hears it too
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        super.channelInactive(ctx); // the decoder's last bytes first, as when it was a handler of its own
        closed();
    }

    /** The channel's close future: the client is gone, whether or not channelInactive reached here. */
    @Override
    public void operationComplete(ChannelFuture future) {
        closed();
    }

    private void closed() {
        clients.removed(this);
        if (gate != null) {
            gate.discard();
            gate = null;
        }
        startup = null;
        connection.onInactive(); // once: it ignores a second call
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable root = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (root instanceof ProtocolException e) {
            connection.onProtocolError(e);
        } else if (!ctx.channel().isActive() || root instanceof ChannelOutputShutdownException) {
            // e.g. relayed writes to a gone client, or to one being turned away (its output already
            // shut, the error sent): one line per relayed message would flood the log
            log.debug("{} error after close: {}", connection, root.toString());
        } else if (root instanceof IOException || root instanceof DecoderException) {
            log.info("{} connection error: {}", connection, root.toString()); // the peer's doing: a reset, bad TLS bytes
            ctx.close();
        } else {
            // Not the peer's doing: a defect here or in Netty, which closes this client without a word. At
            // WARN, with its stack, so that it is seen where INFO is off (the protocol fuzzer runs at WARN).
            log.warn("{} unexpected error, closing: {}", connection, root.toString(), root);
            ctx.close();
        }
    }
}
