package io.pooler.server.container;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Optional;

/**
 * The container's health check, for an exec probe:
 * {@code java -cp /app/classes io.pooler.server.container.HealthProbe [HOST [PORT [TIMEOUT_SECONDS]]]}
 * (defaults 127.0.0.1, 6432, 5). Exit status 0 when Pooler answered, 1 otherwise, with the reason on stderr.
 *
 * <p>It sends a GSSENCRequest, the 8-byte packet a libpq client may open with, and expects Pooler's one-byte
 * 'N'. That proves an event loop accepted the connection and answered, which a TCP probe does not: the kernel
 * completes handshakes into the listen backlog even for a process that no longer runs its event loops. The
 * request needs no user, password or database, is answered the same whatever the configuration, and touches
 * no server connection. It depends on nothing but the JDK, so {@code /app/classes} is its whole class path.
 */
public final class HealthProbe {
    /** PostgreSQL's GSSENCRequest code: 1234 in the upper 16 bits, 5680 in the lower. */
    static final int GSSENC_REQUEST_CODE = 80877104;

    private HealthProbe() {
    }

    public static void main(String[] args) {
        if (args.length > 3) {
            System.err.println("usage: HealthProbe [HOST [PORT [TIMEOUT_SECONDS]]]");
            System.exit(2);
        }
        String host = args.length > 0 ? args[0] : "127.0.0.1";
        int port = args.length > 1 ? Integer.parseInt(args[1]) : 6432;
        Duration timeout = Duration.ofSeconds(args.length > 2 ? Long.parseLong(args[2]) : 5);
        Optional<String> problem = check(new InetSocketAddress(host, port), timeout);
        if (problem.isPresent()) {
            System.err.println("pooler on " + host + ":" + port + " is not healthy: " + problem.get());
            System.exit(1);
        }
    }

    /** Empty when Pooler answered the GSSENCRequest within {@code timeout}, else why not. */
    static Optional<String> check(InetSocketAddress address, Duration timeout) {
        int millis = (int) Math.max(1, timeout.toMillis());
        try (Socket socket = new Socket()) {
            socket.connect(address, millis);
            socket.setSoTimeout(millis);
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            out.writeInt(8);
            out.writeInt(GSSENC_REQUEST_CODE);
            out.flush();
            InputStream in = socket.getInputStream();
            int answer = in.read();
            if (answer == 'N') {
                return Optional.empty();
            }
            return Optional.of(answer < 0 ? "closed without answering" : "unexpected answer byte " + answer);
        } catch (IOException e) {
            return Optional.of(e.toString());
        }
    }
}
