package io.pooler.server.it;

import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Properties;

/** PgJDBC's TLS properties and a bare SSLRequest, for the tests of client-side TLS. */
final class TlsClients {
    /** The SSLRequest code of the PostgreSQL protocol. */
    static final int SSL_REQUEST_CODE = 80877103;

    private TlsClients() {
    }

    static Properties sslmode(String sslmode) {
        Properties p = new Properties();
        p.setProperty("sslmode", sslmode);
        return p;
    }

    /** verify-full against {@code caCert}: the client checks the pooler's certificate and its name (127.0.0.1). */
    static Properties verifyFull(Path caCert) {
        Properties p = sslmode("verify-full");
        p.setProperty("sslrootcert", caCert.toString());
        return p;
    }

    static Properties withClientCertificate(Path caCert, Path cert, Path keyDer) {
        Properties p = verifyFull(caCert);
        p.setProperty("sslcert", cert.toString());
        p.setProperty("sslkey", keyDer.toString());
        return p;
    }

    static byte[] sslRequest() {
        return ByteBuffer.allocate(8).putInt(8).putInt(SSL_REQUEST_CODE).array();
    }

    /** The one byte the pooler answers an SSLRequest with: 'S' or 'N'. */
    static char sslRequestAnswer(int port) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(sslRequest());
            return (char) socket.getInputStream().read();
        }
    }
}
