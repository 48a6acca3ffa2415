package io.pooler.server.it;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP relay in front of PostgreSQL that notes the first message code of every connection (StartupMessage,
 * SSLRequest, CancelRequest...) and otherwise passes bytes through untouched, TLS included. Tells what kind
 * of connections the pooler opened without looking inside them.
 */
final class FirstBytesProxy implements AutoCloseable {
    private final ServerSocket listener;
    private final int targetPort;
    private final List<Integer> firstCodes = new CopyOnWriteArrayList<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();

    FirstBytesProxy(int targetPort) throws IOException {
        this.targetPort = targetPort;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::acceptLoop, "first-bytes-proxy");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return listener.getLocalPort();
    }

    /** The code after the length of each connection's first message, in order of arrival. */
    List<Integer> firstCodes() {
        return List.copyOf(firstCodes);
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                sockets.add(client);
                sockets.add(server);
                byte[] first = client.getInputStream().readNBytes(8);
                if (first.length == 8) {
                    firstCodes.add(ByteBuffer.wrap(first).getInt(4));
                }
                server.getOutputStream().write(first);
                TcpRelay.pump(client.getInputStream(), server.getOutputStream(), server);
                TcpRelay.pump(server.getInputStream(), client.getOutputStream(), client);
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
