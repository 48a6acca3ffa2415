package io.pooler.server.relay;

import io.netty.channel.ChannelOption;
import io.netty.channel.DefaultChannelConfig;
import io.netty.channel.embedded.EmbeddedChannel;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The PostgreSQL end of a server connection in the relay tests: an {@link EmbeddedChannel} that the
 * pooler's own connect code makes (through {@link ScriptedTransport}) and registers on the client's
 * embedded event loop, so a linked pair runs on one loop, as in production. What the pooler sends to
 * "PostgreSQL" waits in its outbound queue; what the test script answers goes in with
 * {@link #writeInbound}, through the pooler's real frame decoder and server handler.
 *
 * <p>NOTE: made by Netty's reflective channel factory (hence public, with no arguments); each one made
 * on a thread is remembered for that thread's test ({@link #takeMade()}).
 */
public final class ScriptedServerChannel extends EmbeddedChannel {
    private static final ThreadLocal<Deque<ScriptedServerChannel>> MADE = ThreadLocal.withInitial(ArrayDeque::new);

    /** NOTE: made on first use, without an initializer: the superclass constructor may already ask for it. */
    private LenientConfig lenientConfig;

    public ScriptedServerChannel() {
        super(EmbeddedChannel.builder().register(false).hasDisconnect(true));
        MADE.get().add(this);
    }

    @Override
    public io.netty.channel.ChannelConfig config() {
        if (lenientConfig == null) {
            lenientConfig = new LenientConfig(this);
        }
        return lenientConfig;
    }

    /** The server channels the pooler opened on this thread since the last call, oldest first. */
    static Deque<ScriptedServerChannel> takeMade() {
        Deque<ScriptedServerChannel> made = new ArrayDeque<>(MADE.get());
        MADE.get().clear();
        return made;
    }

    /** Socket options (TCP_NODELAY, SO_KEEPALIVE) mean nothing here: accepted and ignored, not warned about. */
    static final class LenientConfig extends DefaultChannelConfig {
        LenientConfig(EmbeddedChannel channel) {
            super(channel);
        }

        @Override
        public <T> boolean setOption(ChannelOption<T> option, T value) {
            super.setOption(option, value);
            return true;
        }
    }
}
