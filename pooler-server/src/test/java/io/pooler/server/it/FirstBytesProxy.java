package io.pooler.server.it;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
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
        int code = codeOf(forwardFirstBytes(client, server));
        if (code != -1) {
            firstCodes.add(code);
        }
        pumpBothWays(client, server);
    }
}
