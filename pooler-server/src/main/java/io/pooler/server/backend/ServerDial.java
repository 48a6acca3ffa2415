package io.pooler.server.backend;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.SocketAddress;
import java.nio.channels.ClosedChannelException;
import java.util.List;
import java.util.function.Consumer;

/**
 * The connect of one server connection. For a host list ({@code host=a,b,c}, PgBouncer 1.24+) it starts at
 * the host {@code load_balance_hosts} picks ({@link HostCursor}), resolves it through the DNS cache, and when
 * the lookup or the TCP connect fails moves on to the next host, each host at most once, so a client waits
 * no longer than one {@code server_connect_timeout} per dead host. A Unix socket is one attempt.
 *
 * <p>NOTE: the server's pipeline (frame decoder and handler) is installed only on the channel that
 * connected: a handler cannot be added to two channels, and the failed ones never see it.
 *
 * <p>Threads: owned by the server's loop; the DNS cache answers on its own loop, and the answer hops back.
 */
public final class ServerDial {
    private static final Logger log = LoggerFactory.getLogger(ServerDial.class);
    /** The host name a server channel was connected through, for TLS verify-full and cancel requests. */
    public static final AttributeKey<String> DIALED_HOST = AttributeKey.valueOf("pooler.dialedHost");

    private final BackendConnector connector;
    private final Object who;
    private final EventLoop loop;
    private final BackendTarget target;
    private final Consumer<Channel> installPipeline;
    private final HostCursor cursor;
    private final Promise<Channel> result;
    private final int first;
    private int tried;
    private Channel current;
    private boolean aborted;

    ServerDial(BackendConnector connector, Object who, EventLoop loop, BackendTarget target, HostCursor cursor,
               Consumer<Channel> installPipeline) {
        this.connector = connector;
        this.who = who;
        this.loop = loop;
        this.target = target;
        this.cursor = cursor;
        this.installPipeline = installPipeline;
        this.result = loop.newPromise();
        this.first = target.hosts().isEmpty() ? 0 : cursor.first(target.hosts().size());
    }

    /** Succeeds with the connected channel, whose pipeline is then in place; fails when every host failed. */
    public Future<Channel> future() {
        return result;
    }

    void start() {
        onLoop(() -> {
            if (target.hosts().isEmpty()) {
                connect(null, target.address()); // a Unix socket
            } else {
                next(null);
            }
        });
    }

    /** Stops trying: aborts the connect under way, or closes what it just made. Any thread. */
    public void abort() {
        onLoop(() -> {
            aborted = true;
            if (current != null) {
                current.close();
            }
            result.tryFailure(new ClosedChannelException());
        });
    }

    private void next(Throwable lastFailure) {
        List<String> hosts = target.hosts();
        if (aborted) {
            return;
        }
        if (tried == hosts.size()) {
            result.tryFailure(lastFailure);
            return;
        }
        int index = (first + tried) % hosts.size();
        String host = hosts.get(index);
        tried++;
        Future<java.net.InetAddress> resolved = connector.dns().resolve(host);
        if (resolved.isDone()) {
            resolved(index, host, resolved); // an address literal: no hop to the DNS loop and back
        } else {
            resolved.addListener(f -> onLoop(() -> resolved(index, host, resolved)));
        }
    }

    private void resolved(int index, String host, Future<java.net.InetAddress> f) {
        if (f.isSuccess()) {
            connect(index, new java.net.InetSocketAddress(f.getNow(), target.port()));
        } else {
            failed(index, host, f.cause());
        }
    }

    private void connect(Integer index, SocketAddress address) {
        if (aborted) {
            return;
        }
        String host = index == null ? null : target.hosts().get(index);
        ChannelFuture connecting = connector.connect(loop, address, new PipelineGate());
        current = connecting.channel();
        if (host != null) {
            current.attr(DIALED_HOST).set(host);
        }
        connecting.addListener(f -> {
            if (f.isSuccess()) {
                if (index != null) {
                    cursor.succeeded(index);
                }
                result.trySuccess(connecting.channel());
            } else if (index == null) {
                result.tryFailure(f.cause());
            } else {
                failed(index, host, f.cause());
            }
        });
    }

    private void failed(int index, String host, Throwable cause) {
        cursor.failed(index, target.hosts().size());
        if (target.hosts().size() > 1 && tried < target.hosts().size() && !aborted) {
            log.warn("{} could not connect to host {}: {}; trying the next host", who, host, cause.getMessage());
        }
        next(cause);
    }

    private void onLoop(Runnable task) {
        if (loop.inEventLoop()) {
            task.run();
        } else {
            loop.execute(task);
        }
    }

    /**
     * The only handler of a channel still connecting. Once connected it puts the server's pipeline after
     * itself, passes channelActive on to it and steps aside.
     */
    private final class PipelineGate extends ChannelInboundHandlerAdapter {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            if (aborted) {
                ctx.close();
                return;
            }
            installPipeline.accept(ctx.channel());
            ctx.fireChannelActive();
            ctx.pipeline().remove(this);
        }
    }
}
