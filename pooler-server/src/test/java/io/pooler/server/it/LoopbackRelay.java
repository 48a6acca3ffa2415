package io.pooler.server.it;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What the tests' TCP relays in front of PostgreSQL or a pooler share: a listener, an accepting daemon
 * thread that hands each connection to {@link #relay}, and a close that ends every connection it made.
 */
abstract class LoopbackRelay implements AutoCloseable {
    private final ServerSocket listener;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();

    /** Will accept on {@code listener}, already bound, once {@link #start} is called. */
    LoopbackRelay(ServerSocket listener) {
        this.listener = listener;
    }

    /** Starts accepting; a subclass calls it last in its constructor, once its own fields are set. */
    final void start(String threadName) {
        Thread acceptor = new Thread(this::acceptLoop, threadName);
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** A listener on a free loopback port. */
    static ServerSocket loopbackListener() throws IOException {
        return new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    }

    int port() {
        return listener.getLocalPort();
    }

    /** Carries one accepted connection; may return before it ends. An IOException ends the relay. */
    abstract void relay(Socket client) throws IOException;

    /** A connection to {@code host:port} that {@link #close} ends too. */
    Socket connect(InetAddress host, int port) throws IOException {
        return track(new Socket(host, port));
    }

    private Socket track(Socket socket) {
        sockets.add(socket);
        return socket;
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                relay(track(listener.accept()));
            } catch (IOException e) {
                return;
            }
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        for (Socket s : sockets) {
            s.close();
        }
    }
}
