package io.pooler.server.relay;

import io.netty.channel.Channel;
import io.netty.resolver.AddressResolver;
import io.netty.resolver.AddressResolverGroup;
import io.netty.resolver.NoopAddressResolver;
import io.netty.util.concurrent.EventExecutor;
import io.pooler.server.net.Transport;

import java.net.SocketAddress;

/** The real transport, except that a server connection is a {@link ScriptedServerChannel}. */
final class ScriptedTransport extends Transport {
    ScriptedTransport() {
        super(Kind.NIO);
    }

    @Override
    public Class<? extends Channel> socketChannel() {
        return ScriptedServerChannel.class;
    }

    /**
     * The pooler hands its connect an address it resolved itself; Netty's default resolver group cannot
     * attach to an embedded event loop (it watches the loop's termination, which an embedded loop has not).
     */
    @Override
    public AddressResolverGroup<?> serverAddressResolver() {
        return RESOLVED_ALREADY;
    }

    /** Takes every address as resolved; hands a resolver to any loop without watching the loop end. */
    private static final AddressResolverGroup<SocketAddress> RESOLVED_ALREADY = new AddressResolverGroup<>() {
        @Override
        public AddressResolver<SocketAddress> getResolver(EventExecutor executor) {
            return new NoopAddressResolver(executor);
        }

        @Override
        protected AddressResolver<SocketAddress> newResolver(EventExecutor executor) {
            return new NoopAddressResolver(executor);
        }
    };
}
