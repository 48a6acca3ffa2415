package io.pooler.server.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
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

    /**
     * Reads the first 8 bytes of {@code client} (its first message's length and code: StartupMessage,
     * SSLRequest, CancelRequest...) and sends them on to {@code server}; fewer when the client ended first.
     */
    static byte[] forwardFirstBytes(Socket client, Socket server) throws IOException {
        byte[] first = client.getInputStream().readNBytes(8);
        server.getOutputStream().write(first);
        return first;
    }

    /** The code after the length in {@link #forwardFirstBytes}'s bytes, or -1 when there were fewer than 8. */
    static int codeOf(byte[] first) {
        return first.length == 8 ? java.nio.ByteBuffer.wrap(first).getInt(4) : -1;
    }

    /** Bytes both ways, each direction on its own daemon thread; either side's end closes the other. */
    static void pumpBothWays(Socket client, Socket server) throws IOException {
        pump(client.getInputStream(), server.getOutputStream(), server);
        pump(server.getInputStream(), client.getOutputStream(), client);
    }

    /** Bytes one way on a daemon thread; the end of {@code in} closes {@code closeWhenDone}. */
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
