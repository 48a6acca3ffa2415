package io.pooler.server.it;

import io.netty.buffer.Unpooled;
import io.pooler.protocol.ErrorResponse;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A client that writes protocol bytes exactly as a test gives them, malformed ones included, and reads
 * the answers one message at a time. For hostile-input tests, which no real driver can send.
 */
final class RawPgClient implements AutoCloseable {
    /** One message from the pooler: its type byte and body. */
    record Message(char type, byte[] body) {
        ErrorResponse error() {
            return ErrorResponse.parseBody(Unpooled.wrappedBuffer(body));
        }

        /** A DataRow's first column as text ("NULL" for a null): column count, then length and bytes. */
        String firstColumn() {
            int length = java.nio.ByteBuffer.wrap(body, 2, 4).getInt();
            return length < 0 ? "NULL" : new String(body, 6, length, StandardCharsets.UTF_8);
        }

        /**
         * This message as one line of an answer: "row" and the first column for a DataRow, SQLSTATE and
         * message for an ErrorResponse, the type letter for any other.
         */
        String line() {
            return switch (type) {
                case 'D' -> "row " + firstColumn();
                case 'E' -> error().sqlState() + " " + error().message();
                default -> String.valueOf(type);
            };
        }
    }

    /** The TCP socket, or null over a unix socket (then {@link #unix}). */
    private final Socket socket;
    private final java.nio.channels.SocketChannel unix;
    private final DataInputStream in;
    private final OutputStream out;

    RawPgClient(int port) throws IOException {
        this(port, 0);
    }

    /** With a receive buffer of {@code receiveBuffer} bytes set before it connects (0: the kernel's). */
    RawPgClient(int port, int receiveBuffer) throws IOException {
        this(port, receiveBuffer, 0);
    }

    /** With receive and send buffers of these sizes set before it connects (0: the kernel's). */
    RawPgClient(int port, int receiveBuffer, int sendBuffer) throws IOException {
        socket = new Socket();
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer);
        }
        if (sendBuffer > 0) {
            socket.setSendBufferSize(sendBuffer);
        }
        socket.connect(new java.net.InetSocketAddress("127.0.0.1", port));
        socket.setSoTimeout(30_000);
        unix = null;
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    /** Over a unix socket (where the test PostgreSQL trusts its users): reads block without a timeout. */
    RawPgClient(java.nio.file.Path unixSocket) throws IOException {
        socket = null;
        unix = java.nio.channels.SocketChannel.open(java.net.UnixDomainSocketAddress.of(unixSocket));
        in = new DataInputStream(java.nio.channels.Channels.newInputStream(unix));
        out = java.nio.channels.Channels.newOutputStream(unix);
    }

    static byte[] startupMessage(String user, String database) {
        return startupMessage(user, database, Map.of());
    }

    /** A StartupMessage with {@code more} parameters after user and database (application_name, ...). */
    static byte[] startupMessage(String user, String database, Map<String, String> more) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("user", user);
        params.put("database", database);
        params.putAll(more);
        return Wire.startup(params);
    }

    /** A typed message: type byte, length, body. */
    static byte[] message(char type, byte[] body) {
        return Wire.typed(type, body);
    }

    /** A Bind of the unnamed portal to the named statement {@code statement}: no parameters, no formats. */
    static byte[] bindOf(String statement) {
        return Wire.bind("", statement);
    }

    /** A Bind of the portal {@code portal} to the statement {@code statement}: no parameters, no formats. */
    static byte[] bindPortalOf(String portal, String statement) {
        return Wire.bind(portal, statement);
    }

    /** An Execute of the portal {@code portal}, at most {@code rows} rows (0: all). */
    static byte[] executePortalOf(String portal, int rows) {
        return Wire.execute(portal, rows);
    }

    /** A Describe of the portal {@code portal}. */
    static byte[] describePortalOf(String portal) {
        return Wire.describe('P', portal);
    }

    /** A Close of the portal {@code portal}. */
    static byte[] closePortalOf(String portal) {
        return Wire.close('P', portal);
    }

    /** A Parse of the statement {@code name} (empty: the unnamed one), no parameter types. */
    static byte[] parseOf(String name, String sql) {
        return Wire.parse(name, sql);
    }

    /** A Close of the named statement {@code name}. */
    static byte[] closeStatementOf(String name) {
        return Wire.close('S', name);
    }

    /** An Execute of the unnamed portal, every row. */
    static byte[] executeOf() {
        return Wire.execute("", 0);
    }

    static byte[] syncOf() {
        return Wire.sync();
    }

    /** A Describe of the statement {@code name}. */
    static byte[] describeStatementOf(String name) {
        return Wire.describe('S', name);
    }

    static byte[] flushOf() {
        return Wire.flush();
    }

    static byte[] query(String sql) {
        return Wire.query(sql);
    }

    static byte[] concat(byte[]... parts) {
        return Wire.concat(parts);
    }

    void write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** The next message, or null at end of stream. */
    Message read() throws IOException {
        int type = in.read();
        if (type < 0) {
            return null;
        }
        int length = in.readInt();
        byte[] body = new byte[length - 4];
        in.readFully(body);
        return new Message((char) type, body);
    }

    /** Reads until a message of {@code type}; fails on end of stream. */
    Message readUntil(char type) throws IOException {
        Message m;
        while ((m = read()) != null) {
            if (m.type() == type) {
                return m;
            }
        }
        throw new EOFException("connection closed before a '" + type + "' message");
    }

    /**
     * The answers up to and including the next ReadyForQuery, one line per message: "row" and the first
     * column's text for a DataRow, SQLSTATE and message for an ErrorResponse, the type letter for any
     * other, and nothing for the ReadyForQuery; lines joined with " / ".
     */
    String answersUntilReady() throws IOException {
        setReadTimeout(10_000);
        List<String> seen = new ArrayList<>();
        Message m;
        while ((m = read()) != null) {
            if (m.type() == 'Z') {
                return String.join(" / ", seen);
            }
            seen.add(m.line());
        }
        throw new EOFException("closed before ReadyForQuery, after: " + seen);
    }

    /** Reads until the first ErrorResponse and returns it, or null if the connection closed first. */
    Message readError() throws IOException {
        Message m;
        while ((m = read()) != null) {
            if (m.type() == 'E') {
                return m;
            }
        }
        return null;
    }

    /** Logs in where the pooler trusts the user (auth_type = trust), up to the first ReadyForQuery. */
    RawPgClient loginTrusted(String user, String database) throws IOException {
        return loginTrusted(user, database, Map.of());
    }

    /** {@link #loginTrusted(String, String)} with more startup parameters. */
    RawPgClient loginTrusted(String user, String database, Map<String, String> more) throws IOException {
        write(startupMessage(user, database, more));
        Message m;
        while ((m = read()) != null) {
            if (m.type() == 'E') {
                throw new AssertionError("login refused: " + m.error());
            }
            if (m.type() == 'Z') {
                return this;
            }
        }
        throw new EOFException("closed during login");
    }

    /**
     * True once the pooler has closed the connection (reads past anything still pending); a read that
     * times out throws. A close may cut the last message short: that is a close too.
     */
    boolean closedByPeer() throws IOException {
        try {
            while (read() != null) {
                // drain
            }
            return true;
        } catch (java.net.SocketException | EOFException e) {
            return true; // reset, or closed in the middle of a message
        }
    }

    /** Closes with a reset (SO_LINGER 0): the pooler's next read or write on it fails. */
    void reset() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    /** The raw input, for a test that counts bytes rather than messages. */
    java.io.InputStream input() {
        return in;
    }

    /** Over a unix socket, nothing: its reads block (see the constructor). */
    void setReadTimeout(int millis) throws IOException {
        if (socket != null) {
            socket.setSoTimeout(millis);
        }
    }

    @Override
    public void close() throws IOException {
        if (socket != null) {
            socket.close();
        } else {
            unix.close();
        }
    }
}
