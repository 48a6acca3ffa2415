package io.pooler.server.net;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.resolver.AddressResolverGroup;
import io.netty.resolver.DefaultAddressResolverGroup;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * The native epoll transport on Linux, NIO elsewhere. Unix domain sockets need epoll.
 *
 * <p>Not final: the relay unit tests put a scripted server channel in place of {@link #socketChannel()}.
 */
public class Transport {
    private final boolean epoll;

    protected Transport(boolean epoll) {
        this.epoll = epoll;
    }

    public static Transport best() {
        return new Transport(Epoll.isAvailable() && !Boolean.getBoolean("pooler.nio"));
    }

    public String name() {
        return epoll ? "epoll" : "nio";
    }

    public boolean supportsUnixSockets() {
        return epoll;
    }

    public EventLoopGroup newGroup(int threads, String name) {
        IoHandlerFactory factory = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name, true), factory);
    }

    public Class<? extends ServerChannel> serverChannel() {
        return epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    public Class<? extends Channel> socketChannel() {
        return epoll ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    /** What a server connection's Bootstrap resolves an address it is given with: Netty's default. */
    public AddressResolverGroup<?> serverAddressResolver() {
        return DefaultAddressResolverGroup.INSTANCE;
    }

    /** UDP, for DNS queries (io.pooler.server.dns). */
    public Class<? extends DatagramChannel> datagramChannel() {
        return epoll ? EpollDatagramChannel.class : NioDatagramChannel.class;
    }

    /** TCP as a {@link SocketChannel}, for DNS answers too long for UDP. */
    public Class<? extends SocketChannel> tcpSocketChannel() {
        return epoll ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    public Class<? extends ServerChannel> serverDomainChannel() {
        return EpollServerDomainSocketChannel.class;
    }

    public Class<? extends Channel> domainChannel() {
        return EpollDomainSocketChannel.class;
    }
}
