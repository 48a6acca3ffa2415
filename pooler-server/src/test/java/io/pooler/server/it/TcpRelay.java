package io.pooler.server.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP relay, as a load balancer in front of several poolers or a second address in front of PostgreSQL:
 * each accepted connection goes to the target port current at that moment ({@link #target(int)}), bytes
 * pass through untouched. Counts the connections it accepted.
 */
final class TcpRelay implements AutoCloseable {
    private final ServerSocket listener;
    private final InetAddress targetHost;
    private volatile int targetPort;
    private final AtomicInteger accepted = new AtomicInteger();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();

    /** Listens on {@code bindAddress:bindPort} (0: any free port) and relays to {@code targetHost:targetPort}. */
    TcpRelay(InetAddress bindAddress, int bindPort, InetAddress targetHost, int targetPort) throws IOException {
        this.listener = new ServerSocket();
        listener.setReuseAddress(true);
        listener.bind(new InetSocketAddress(bindAddress, bindPort), 50);
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        Thread acceptor = new Thread(this::acceptLoop, "tcp-relay-" + listener.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return listener.getLocalPort();
    }

    /** Where connections accepted from now on go. */
    void target(int port) {
        this.targetPort = port;
    }

    int accepted() {
        return accepted.get();
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                accepted.incrementAndGet();
                sockets.add(client);
                Socket server;
                try {
                    server = new Socket(targetHost, targetPort);
                } catch (IOException refused) {
                    client.close();
                    continue;
                }
                sockets.add(server);
                pump(client.getInputStream(), server.getOutputStream(), server);
                pump(server.getInputStream(), client.getOutputStream(), client);
            } catch (IOException e) {
                return;
            }
        }
    }

    /** Copies one direction on its own daemon thread; closes {@code closeWhenDone} when either side ends. */
    static void pump(InputStream in, OutputStream out, Socket closeWhenDone) {
        Thread t = new Thread(() -> {
            try {
                in.transferTo(out);
            } catch (IOException ignored) {
                // one side went away
            } finally {
                try {
                    closeWhenDone.close();
                } catch (IOException ignored) {
                    // already closed
                }
            }
        }, "tcp-relay-pump");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() throws IOException {
        listener.close();
        for (Socket s : sockets) {
            s.close();
        }
    }
}
