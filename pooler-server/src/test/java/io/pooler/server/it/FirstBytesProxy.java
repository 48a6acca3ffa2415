package io.pooler.server.it;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP relay in front of PostgreSQL that notes the first message code of every connection (StartupMessage,
 * SSLRequest, CancelRequest...) and otherwise passes bytes through untouched, TLS included. Tells what kind
 * of connections the pooler opened without looking inside them.
 */
final class FirstBytesProxy extends LoopbackRelay {
    private final int targetPort;
    private final List<Integer> firstCodes = new CopyOnWriteArrayList<>();

    FirstBytesProxy(int targetPort) throws IOException {
        super(loopbackListener());
        this.targetPort = targetPort;
        start("first-bytes-proxy");
    }

    /** The code after the length of each connection's first message, in order of arrival. */
    List<Integer> firstCodes() {
        return List.copyOf(firstCodes);
    }

    @Override
    void relay(Socket client) throws IOException {
        Socket server = connect(InetAddress.getLoopbackAddress(), targetPort);
        byte[] first = client.getInputStream().readNBytes(8);
        if (first.length == 8) {
            firstCodes.add(ByteBuffer.wrap(first).getInt(4));
        }
        server.getOutputStream().write(first);
        TcpRelay.pump(client.getInputStream(), server.getOutputStream(), server);
        TcpRelay.pump(server.getInputStream(), client.getOutputStream(), client);
    }
}
