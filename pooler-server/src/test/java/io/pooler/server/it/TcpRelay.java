package io.pooler.server.it;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP relay, as a load balancer in front of several poolers or a second address in front of PostgreSQL:
 * each accepted connection goes to the target port current at that moment ({@link #target(int)}), bytes
 * pass through untouched. Counts the connections it accepted.
 */
final class TcpRelay extends LoopbackRelay {
    private final InetAddress targetHost;
    private volatile int targetPort;
    private final AtomicInteger accepted = new AtomicInteger();

    /** Listens on {@code bindAddress:bindPort} (0: any free port) and relays to {@code targetHost:targetPort}. */
    TcpRelay(InetAddress bindAddress, int bindPort, InetAddress targetHost, int targetPort) throws IOException {
        super(bound(bindAddress, bindPort));
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        start("tcp-relay-" + port());
    }

    private static ServerSocket bound(InetAddress bindAddress, int bindPort) throws IOException {
        ServerSocket listener = new ServerSocket();
        listener.setReuseAddress(true);
        listener.bind(new InetSocketAddress(bindAddress, bindPort), 50);
        return listener;
    }

    /** Where connections accepted from now on go. */
    void target(int port) {
        this.targetPort = port;
    }

    int accepted() {
        return accepted.get();
    }

    @Override
    void relay(Socket client) throws IOException {
        accepted.incrementAndGet();
        Socket server;
        try {
            server = connect(targetHost, targetPort);
        } catch (IOException refused) {
            client.close();
            return;
        }
        pumpBothWays(client, server);
    }
}
